import type { Db } from '../store/db.js';
import { RefreshedCopy } from '../store/refreshed-copy.js';
import { dedupRules } from '../store/schema.js';

/** The parts of a dedup rule the pipeline applies. */
export interface DedupRule {
  fingerprintFields: string[];
  ignoreFields: string[];
  fullDeduplication: boolean;
}

/** Keep's default: full deduplication, nothing ignored beyond the per-delivery fields. */
export const DEFAULT_RULE: DedupRule = Object.freeze({
  fingerprintFields: [],
  ignoreFields: [],
  fullDeduplication: true,
});

/**
 * In-memory copy of dedup_rules, so the hot path never queries the database. A rule for (tenant, type, provider id) wins over one for (tenant, type).
 */
export class DedupRuleCache extends RefreshedCopy {
  private rules = new Map<string, DedupRule>();

  constructor(
    private readonly db: Db,
    refreshMs = 5000,
  ) {
    super(refreshMs);
  }

  override async refresh(): Promise<void> {
    const rows = await this.db.select().from(dedupRules);
    this.rules = new Map(
      rows.map((row) => [
        ruleKey(row.tenant, row.providerType, row.providerId),
        {
          fingerprintFields: row.fingerprintFields,
          ignoreFields: row.ignoreFields,
          fullDeduplication: row.fullDeduplication,
        },
      ]),
    );
  }

  ruleFor(tenant: string, providerType: string, providerId: string | null): DedupRule {
    return (
      (providerId !== null ? this.rules.get(ruleKey(tenant, providerType, providerId)) : undefined) ??
      this.rules.get(ruleKey(tenant, providerType, null)) ??
      DEFAULT_RULE
    );
  }
}

function ruleKey(tenant: string, providerType: string, providerId: string | null): string {
  return `${tenant}\u0000${providerType}\u0000${providerId ?? ''}`;
}
