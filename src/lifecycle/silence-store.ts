import { and, desc, eq, gt, inArray, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { silences } from '../store/schema.js';
import type { Matcher, SilenceWindow } from './silence-match.js';

export type SilenceState = 'pending' | 'active' | 'expired';

/** A silence as stored and shown by the admin API. */
export interface Silence extends SilenceWindow {
  createdBy: string;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SilenceInput {
  tenant: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** Pending before startsAt, active until endsAt, expired after (Alertmanager's states). */
export function stateOf(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now = new Date()): SilenceState {
  if (now < silence.startsAt) return 'pending';
  return now < silence.endsAt ? 'active' : 'expired';
}

/** Silences in PostgreSQL; read per committed batch (cheap: indexed by tenant and end). */
export class SilenceStore {
  constructor(private readonly db: Db) {}

  async create(input: SilenceInput): Promise<Silence> {
    const [row] = await this.db.insert(silences).values(input).returning();
    return row as Silence;
  }

  async get(id: string): Promise<Silence | undefined> {
    const [row] = await this.db.select().from(silences).where(eq(silences.id, id));
    return row;
  }

  /** Newest first; `tenant` narrows, `state` filters by Alertmanager state. */
  async list(options: { tenant?: string; state?: SilenceState; limit: number }): Promise<Silence[]> {
    const now = new Date();
    const conditions: SQL[] = [];
    if (options.tenant) conditions.push(eq(silences.tenant, options.tenant));
    if (options.state === 'pending') conditions.push(gt(silences.startsAt, now));
    if (options.state === 'active') conditions.push(lte(silences.startsAt, now), gt(silences.endsAt, now));
    if (options.state === 'expired') conditions.push(lte(silences.endsAt, now));
    return this.db
      .select()
      .from(silences)
      .where(and(...conditions))
      .orderBy(desc(silences.createdAt))
      .limit(options.limit);
  }

  /** Ends a silence now (a pending one never starts); the record stays. Undefined when unknown. */
  async expire(id: string): Promise<Silence | undefined> {
    const existing = await this.get(id);
    if (!existing) return undefined;
    const now = new Date();
    if (stateOf(existing, now) === 'expired') return existing;
    const [row] = await this.db
      .update(silences)
      .set({ endsAt: now, startsAt: existing.startsAt > now ? now : existing.startsAt, updatedAt: now })
      .where(eq(silences.id, id))
      .returning();
    return row;
  }

  /** Silences of these tenants whose window overlaps [from, to]. */
  async overlapping(tenants: readonly string[], from: Date, to: Date): Promise<SilenceWindow[]> {
    if (tenants.length === 0) return [];
    return this.db
      .select({
        id: silences.id,
        tenant: silences.tenant,
        matchers: silences.matchers,
        startsAt: silences.startsAt,
        endsAt: silences.endsAt,
      })
      .from(silences)
      .where(and(inArray(silences.tenant, [...tenants]), gt(silences.endsAt, from), lte(silences.startsAt, to)));
  }
}
