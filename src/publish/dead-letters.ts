import { and, count, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Alert } from '../alert/alert.js';
import type { FailureClass } from '../failure.js';
import type { Db } from '../store/db.js';
import { publishDeadLetters } from '../store/schema.js';
import type { TargetType } from './model.js';

/** A delivery that will not be retried by itself. */
export interface DeadLetterInput {
  batchId: string;
  target: string;
  targetType: TargetType;
  alerts: Alert[];
  errorClass: FailureClass;
  /** The failure reason, or the skip reason (unhealthy, circuit_open) for skipped deliveries. */
  reason: string;
  error: string;
  statusCode?: number;
  responseBody?: string;
  attempts: number;
}

export type DeadLetterRow = typeof publishDeadLetters.$inferSelect;

/**
 * The publish dead-letter queue, in PostgreSQL so operators can list it by target and replay one
 * entry or a whole target's backlog; rows older than the retention are pruned.
 */
export class PublishDeadLetters {
  constructor(private readonly db: Db) {}

  async add(entries: readonly DeadLetterInput[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.insert(publishDeadLetters).values(
      entries.map((entry) => ({
        ...entry,
        alerts: entry.alerts as unknown as Record<string, unknown>[],
        statusCode: entry.statusCode ?? null,
        responseBody: entry.responseBody ?? null,
      })),
    );
  }

  async list(options: {
    target?: string;
    limit: number;
    offset?: number;
  }): Promise<{ total: number; entries: DeadLetterRow[] }> {
    const where = options.target ? eq(publishDeadLetters.target, options.target) : undefined;
    const [entries, totals] = await Promise.all([
      this.db
        .select()
        .from(publishDeadLetters)
        .where(where)
        .orderBy(desc(publishDeadLetters.failedAt))
        .limit(options.limit)
        .offset(options.offset ?? 0),
      this.db.select({ total: count() }).from(publishDeadLetters).where(where),
    ]);
    return { total: totals[0]?.total ?? 0, entries };
  }

  async get(id: string): Promise<DeadLetterRow | undefined> {
    const [row] = await this.db.select().from(publishDeadLetters).where(eq(publishDeadLetters.id, id));
    return row;
  }

  /** The oldest entries of one target (dead-lettered before `before`), for a replay in chunks. */
  async oldestFor(target: string, limit: number, before?: Date): Promise<DeadLetterRow[]> {
    return this.db
      .select()
      .from(publishDeadLetters)
      .where(
        before
          ? and(eq(publishDeadLetters.target, target), lt(publishDeadLetters.failedAt, before))
          : eq(publishDeadLetters.target, target),
      )
      .orderBy(publishDeadLetters.failedAt)
      .limit(limit);
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.db
      .delete(publishDeadLetters)
      .where(inArray(publishDeadLetters.id, [...ids]))
      .returning({ id: publishDeadLetters.id });
    return rows.length;
  }

  /** Deletes entries older than `days`; returns how many. */
  async prune(days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 86_400_000);
    const rows = await this.db
      .delete(publishDeadLetters)
      .where(lt(publishDeadLetters.failedAt, cutoff))
      .returning({ id: publishDeadLetters.id });
    return rows.length;
  }
}
