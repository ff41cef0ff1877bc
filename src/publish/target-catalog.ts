import { eq } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { RefreshedCopy } from '../store/refreshed-copy.js';
import { publishTargets } from '../store/schema.js';
import type { Target, TargetDefinition, TargetType } from './model.js';
import { completeTarget, loadTargetsFile, type TargetInput } from './target-schema.js';
import { redactSettings, TARGET_ADAPTERS } from './targets/registry.js';

type Row = typeof publishTargets.$inferSelect;

function fromRow(row: Row): Target {
  const target: Target = {
    name: row.name,
    type: row.type as TargetType,
    enabled: row.enabled,
    routes: row.routes as Target['routes'],
    settings: row.settings,
    source: 'api',
  };
  if (row.timeoutMs !== null) target.timeoutMs = row.timeoutMs;
  if (row.rateLimit) target.rateLimit = row.rateLimit;
  return target;
}

/** A target as the API shows it: secrets replaced. */
export function publicTarget(target: Target): Target {
  return { ...target, settings: redactSettings(target.type, target.settings) };
}

/** Thrown for admin changes the catalog refuses; `code` maps to the API error code. */
export class CatalogError extends Error {
  constructor(
    readonly code: 'conflict' | 'not_found' | 'forbidden' | 'invalid_payload',
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

export interface TargetCatalogOptions {
  /** JSON/YAML file of read-only targets (TARGETS_FILE), validated at construction. */
  file?: string;
  /** How often the admin-managed targets are reloaded, in ms. */
  refreshMs: number;
}

/**
 * Every target: the read-only ones from TARGETS_FILE plus the admin-managed ones from PostgreSQL,
 * kept in memory so the publish path never queries the database.
 */
export class TargetCatalog extends RefreshedCopy {
  private apiTargets: Target[] = [];
  /** File targets switched off at run time (410 Gone); they come back on restart. */
  private readonly disabledFileTargets = new Set<string>();

  private readonly fileTargets: readonly Target[];

  constructor(
    private readonly db: Db,
    options: TargetCatalogOptions,
  ) {
    super(options.refreshMs);
    this.fileTargets = options.file ? loadTargetsFile(options.file) : [];
  }

  override async refresh(): Promise<void> {
    const fileNames = new Set(this.fileTargets.map((target) => target.name));
    const rows = await this.db.select().from(publishTargets);
    // A file target wins over a stored one of the same name (the API refuses to create such a clash).
    this.apiTargets = rows.map(fromRow).filter((target) => !fileNames.has(target.name));
  }

  list(): Target[] {
    const file = this.fileTargets.map((target) =>
      this.disabledFileTargets.has(target.name) ? { ...target, enabled: false } : target,
    );
    return [...file, ...this.apiTargets];
  }

  get(name: string): Target | undefined {
    return this.list().find((target) => target.name === name);
  }

  async create(input: TargetInput): Promise<Target> {
    const definition = validated(input);
    if (this.fileTargets.some((target) => target.name === definition.name))
      throw new CatalogError('conflict', `target "${definition.name}" is defined in the targets file`);
    const rows = await this.db.insert(publishTargets).values(toRow(definition)).onConflictDoNothing().returning();
    if (rows.length === 0) throw new CatalogError('conflict', `target "${definition.name}" exists`);
    await this.refresh();
    return fromRow(rows[0] as Row);
  }

  /** Replaces a stored target. Secrets the input leaves out (or sends back redacted) are kept. */
  async replace(name: string, input: TargetInput): Promise<Target> {
    this.assertManaged(name);
    const [stored] = await this.db.select().from(publishTargets).where(eq(publishTargets.name, name));
    if (!stored) throw new CatalogError('not_found', `no target "${name}"`);
    const settings =
      stored.type === input.type ? keepSecrets(input.type, input.settings, stored.settings) : input.settings;
    const definition = validated({ ...input, name, settings });
    const rows = await this.db
      .update(publishTargets)
      .set({ ...toRow(definition), updatedAt: new Date() })
      .where(eq(publishTargets.name, name))
      .returning();
    await this.refresh();
    return fromRow(rows[0] as Row);
  }

  async remove(name: string): Promise<void> {
    this.assertManaged(name);
    const rows = await this.db.delete(publishTargets).where(eq(publishTargets.name, name)).returning();
    if (rows.length === 0) throw new CatalogError('not_found', `no target "${name}"`);
    await this.refresh();
  }

  /** Switches a target off (a webhook answered 410 Gone: the integration was deleted). */
  async disable(name: string): Promise<void> {
    if (this.fileTargets.some((target) => target.name === name)) this.disabledFileTargets.add(name);
    else
      await this.db
        .update(publishTargets)
        .set({ enabled: false, updatedAt: new Date() })
        .where(eq(publishTargets.name, name));
    await this.refresh();
  }

  private assertManaged(name: string): void {
    if (this.fileTargets.some((target) => target.name === name))
      throw new CatalogError('forbidden', `target "${name}" is defined in the targets file; edit the file instead`);
  }
}

function validated(input: TargetInput): TargetDefinition {
  const result = completeTarget(input);
  if (!result.ok)
    throw new CatalogError('invalid_payload', `invalid settings for a ${input.type} target`, result.problems);
  return result.target;
}

function toRow(definition: TargetDefinition) {
  return {
    name: definition.name,
    type: definition.type,
    enabled: definition.enabled,
    routes: definition.routes as unknown as Record<string, unknown>[],
    timeoutMs: definition.timeoutMs ?? null,
    rateLimit: definition.rateLimit ?? null,
    settings: definition.settings,
  };
}

/** Copies stored secrets into settings that omit them or carry the redacted placeholder. */
function keepSecrets(
  type: TargetType,
  incoming: Record<string, unknown>,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const merged = structuredClone(incoming);
  const redacted = redactSettings(type, stored);
  for (const path of TARGET_ADAPTERS[type].secretFields) {
    const keys = path.split('.');
    const get = (object: Record<string, unknown>) =>
      keys.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
    const current = get(merged);
    if (current !== undefined && JSON.stringify(current) !== JSON.stringify(get(redacted))) continue;
    const previous = get(stored);
    if (previous === undefined) continue;
    let holder = merged;
    for (const key of keys.slice(0, -1)) {
      holder[key] ??= {};
      holder = holder[key] as Record<string, unknown>;
    }
    holder[keys[keys.length - 1] as string] = previous;
  }
  return merged;
}
