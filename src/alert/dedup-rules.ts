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
  /** Per tenant, its rules by (type, provider id): a tenant without rules, most of them, costs one lookup. */
  private rules = new Map<string, Map<string, DedupRule>>();

  constructor(
    private readonly db: Db,
    refreshMs = 5000,
  ) {
    super(refreshMs);
  }

  override async refresh(): Promise<void> {
    const rows = await this.db.select().from(dedupRules);
    const rules = new Map<string, Map<string, DedupRule>>();
    for (const row of rows) {
      let tenantRules = rules.get(row.tenant);
      if (!tenantRules) {
        tenantRules = new Map();
        rules.set(row.tenant, tenantRules);
      }
      tenantRules.set(ruleKey(row.providerType, row.providerId), {
        fingerprintFields: row.fingerprintFields,
        ignoreFields: row.ignoreFields,
        fullDeduplication: row.fullDeduplication,
      });
    }
    this.rules = rules;
  }

  ruleFor(tenant: string, providerType: string, providerId: string | null): DedupRule {
    const tenantRules = this.rules.get(tenant);
    if (!tenantRules) return DEFAULT_RULE;
    return (
      (providerId !== null ? tenantRules.get(ruleKey(providerType, providerId)) : undefined) ??
      tenantRules.get(ruleKey(providerType, null)) ??
      DEFAULT_RULE
    );
  }
}

function ruleKey(providerType: string, providerId: string | null): string {
  return `${providerType}\u0000${providerId ?? ''}`;
}
