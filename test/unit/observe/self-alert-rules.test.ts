import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigFileError } from '../../../src/config-file.js';
import { loadSelfAlertRules } from '../../../src/observe/self-alert-rules.js';

function file(text: string, extension = 'yaml'): string {
  const path = join(tmpdir(), `self-alerts-${randomUUID()}.${extension}`);
  writeFileSync(path, text);
  return path;
}

describe('self-alert rules file', () => {
  it('defaults to the built-in rules, thresholds taken from the health settings', () => {
    const config = loadConfig({ HEALTH_QUEUE_DEPTH_DEGRADED: '1234', HEALTH_QUEUE_AGE_DEGRADED_SECONDS: '42' });
    const rules = loadSelfAlertRules(config.observe.selfAlertRules);
    expect(rules.map((rule) => rule.kind)).toEqual([
      'queue_backlog',
      'queue_age',
      'no_worker',
      'provider_rate',
      'dedup_ratio',
    ]);
    expect(rules[0]).toMatchObject({ maxJobs: 1234 });
    expect(rules[1]).toMatchObject({ maxAgeSeconds: 42 });
  });

  it('loads a YAML file and applies defaults', () => {
    const path = file(
      'rules:\n  - name: backlog\n    kind: queue_backlog\n    maxJobs: 10\n  - name: dd\n    kind: provider_rate\n    providers: { datadog: 5 }\n',
    );
    const rules = loadSelfAlertRules(loadConfig({ SELF_ALERT_RULES_FILE: path }).observe.selfAlertRules);
    expect(rules).toEqual([
      { name: 'backlog', kind: 'queue_backlog', queue: 'ingest', maxJobs: 10, forSeconds: 0 },
      { name: 'dd', kind: 'provider_rate', providers: { datadog: 5 }, windowSeconds: 60, forSeconds: 0 },
    ]);
  });

  it('reports unknown keys, duplicate names and rate rules without a limit, naming the path', () => {
    const unknown = file('{"rules":[{"name":"a","kind":"no_worker","color":"red"}]}', 'json');
    expect(() => loadSelfAlertRules(loadConfig({ SELF_ALERT_RULES_FILE: unknown }).observe.selfAlertRules)).toThrow(
      ConfigFileError,
    );
    const twice = file('rules:\n  - { name: a, kind: no_worker }\n  - { name: a, kind: provider_rate }\n');
    expect(() => loadSelfAlertRules(loadConfig({ SELF_ALERT_RULES_FILE: twice }).observe.selfAlertRules)).toThrow(
      /\/rules\/1\/name: "a" is used twice[\s\S]*\/rules\/1: a provider_rate rule needs maxPerSecond or providers/,
    );
  });
});
