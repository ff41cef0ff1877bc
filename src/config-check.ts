import type { Config } from './config.js';
import { ConfigFileError } from './config-file.js';
import { loadSelfAlertRules } from './observe/self-alert-rules.js';
import { PROVIDER_ADAPTERS } from './providers/catalog.js';
import { ProviderRegistry } from './providers/registry.js';
import { loadTargetsFile } from './publish/target-schema.js';
import { RateLimits } from './ratelimit/limits.js';
import { loadEscalationFile } from './rules/escalation-policy.js';

/**
 * Every config file Alertgate reads, each loaded the way its module loads it at start. Modules
 * that add a config file add its loader here, so `alertgate check-config` covers it.
 */
const CONFIG_FILE_LOADERS: { variable: keyof Config; load(config: Config): unknown }[] = [
  {
    variable: 'RATE_LIMITS_FILE',
    load: (config) => {
      const registry = new ProviderRegistry(PROVIDER_ADAPTERS);
      return RateLimits.load(config.ingest.rateLimits, (name) => registry.get(name)?.adapter.type);
    },
  },
  { variable: 'TARGETS_FILE', load: (config) => config.TARGETS_FILE && loadTargetsFile(config.TARGETS_FILE) },
  { variable: 'SELF_ALERT_RULES_FILE', load: (config) => loadSelfAlertRules(config.observe.selfAlertRules) },
  {
    variable: 'ESCALATION_FILE',
    load: (config) => config.ESCALATION_FILE && loadEscalationFile(config.ESCALATION_FILE),
  },
];

/** Loads every configured file; returns one line per problem, naming the file and the path in it. */
export function checkConfigFiles(config: Config): string[] {
  const problems: string[] = [];
  for (const { variable, load } of CONFIG_FILE_LOADERS) {
    if (config[variable] === undefined) continue;
    try {
      load(config);
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      for (const problem of error.problems) problems.push(`${variable}=${error.file}: ${problem}`);
    }
  }
  return problems;
}
