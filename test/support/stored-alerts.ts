/** Exactly-once checks for fault tests: what PostgreSQL holds for a tenant, by alert name. */
import type { Sql } from '../../src/store/db.js';

/** Stored rows per alert name of `tenant` (names are unique per sent alert in fault tests). */
export async function storedCounts(sql: Sql, tenant: string): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; count: number }[]>`
    select name, count(*)::int as count from alerts where tenant = ${tenant} group by name`;
  return new Map(rows.map((row) => [row.name, row.count]));
}

export interface ExactlyOnce {
  /** Accepted (2xx) names with no stored row. */
  missing: string[];
  /** Names stored more than once (accepted or not). */
  doubled: string[];
  stored: number;
}

/** Compares what was accepted with what is stored. */
export function checkExactlyOnce(counts: ReadonlyMap<string, number>, accepted: ReadonlySet<string>): ExactlyOnce {
  return {
    missing: [...accepted].filter((name) => !counts.has(name)),
    doubled: [...counts].filter(([, count]) => count > 1).map(([name]) => name),
    stored: counts.size,
  };
}

/**
 * Waits until every accepted name is stored (or `timeoutMs` passes), then reports the check; the
 * caller asserts on it, so a failure names the missing and doubled alerts.
 */
export async function waitUntilStored(
  sql: Sql,
  tenant: string,
  accepted: ReadonlySet<string>,
  timeoutMs: number,
): Promise<ExactlyOnce> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = checkExactlyOnce(await storedCounts(sql, tenant), accepted);
    if (result.missing.length === 0 || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
