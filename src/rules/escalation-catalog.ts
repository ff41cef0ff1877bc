import { eq } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { RefreshedCopy } from '../store/refreshed-copy.js';
import { escalationPolicies } from '../store/schema.js';
import {
  completePolicy,
  type EscalationPolicy,
  type EscalationPolicyInput,
  loadEscalationFile,
} from './escalation-policy.js';

/** An admin change the catalog refuses; `code` is the API error code. */
export class PolicyCatalogError extends Error {
  constructor(
    readonly code: 'conflict' | 'not_found' | 'invalid_payload',
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'PolicyCatalogError';
  }
}

export interface EscalationCatalogOptions {
  /** JSON/YAML file of read-only policies (ESCALATION_FILE), validated at construction. */
  file?: string;
  /** How often the admin-managed policies are reloaded, in ms. */
  refreshMs: number;
}

/**
 * Every escalation policy: the read-only ones from ESCALATION_FILE plus the admin-managed ones from
 * PostgreSQL, kept in memory so the commit path never waits for the database.
 */
export class EscalationCatalog extends RefreshedCopy {
  private apiPolicies: EscalationPolicy[] = [];

  private readonly filePolicies: readonly EscalationPolicy[];

  constructor(
    private readonly db: Db,
    options: EscalationCatalogOptions,
  ) {
    super(options.refreshMs);
    this.filePolicies = options.file ? loadEscalationFile(options.file) : [];
  }

  override async refresh(): Promise<void> {
    const fileNames = new Set(this.filePolicies.map((policy) => policy.name));
    const rows = await this.db.select().from(escalationPolicies);
    const policies: EscalationPolicy[] = [];
    for (const row of rows) {
      if (fileNames.has(row.name)) continue; // a file policy wins over a stored one of the same name
      const result = completePolicy(
        { ...(row.definition as Omit<EscalationPolicyInput, 'name'>), name: row.name, enabled: row.enabled },
        'api',
      );
      if (result.ok) policies.push(result.policy);
    }
    this.apiPolicies = policies;
  }

  list(): EscalationPolicy[] {
    return [...this.filePolicies, ...this.apiPolicies];
  }

  get(name: string): EscalationPolicy | undefined {
    return this.list().find((policy) => policy.name === name);
  }

  async create(input: EscalationPolicyInput): Promise<EscalationPolicy> {
    const policy = this.complete(input);
    if (this.filePolicies.some((existing) => existing.name === input.name))
      throw new PolicyCatalogError('conflict', `policy "${input.name}" is defined in ESCALATION_FILE`);
    const rows = await this.db
      .insert(escalationPolicies)
      .values(toRow(input))
      .onConflictDoNothing()
      .returning({ name: escalationPolicies.name });
    if (rows.length === 0) throw new PolicyCatalogError('conflict', `policy "${input.name}" exists`);
    await this.refresh();
    return policy;
  }

  async replace(name: string, input: EscalationPolicyInput): Promise<EscalationPolicy> {
    const policy = this.complete(input);
    this.assertWritable(name);
    const rows = await this.db
      .update(escalationPolicies)
      .set({ ...toRow(input), updatedAt: new Date() })
      .where(eq(escalationPolicies.name, name))
      .returning({ name: escalationPolicies.name });
    if (rows.length === 0) throw new PolicyCatalogError('not_found', `no policy "${name}"`);
    await this.refresh();
    return policy;
  }

  async remove(name: string): Promise<void> {
    this.assertWritable(name);
    const rows = await this.db
      .delete(escalationPolicies)
      .where(eq(escalationPolicies.name, name))
      .returning({ name: escalationPolicies.name });
    if (rows.length === 0) throw new PolicyCatalogError('not_found', `no policy "${name}"`);
    await this.refresh();
  }

  private complete(input: EscalationPolicyInput): EscalationPolicy {
    const result = completePolicy(input, 'api');
    if (!result.ok) throw new PolicyCatalogError('invalid_payload', 'invalid escalation policy', result.problems);
    return result.policy;
  }

  private assertWritable(name: string): void {
    if (this.filePolicies.some((policy) => policy.name === name))
      throw new PolicyCatalogError('conflict', `policy "${name}" is defined in ESCALATION_FILE and read-only here`);
  }
}

function toRow(input: EscalationPolicyInput) {
  const { name, enabled, ...definition } = input;
  return { name, enabled: enabled ?? true, definition };
}
