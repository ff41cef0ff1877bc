import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from '../../../src/config-file.js';
import { completePolicy, durationMs, loadEscalationFile, policyInput } from '../../../src/rules/escalation-policy.js';
import { escalationJobId } from '../../../src/rules/escalation-queue.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'escalation-')), 'policies.yaml');
  writeFileSync(path, text);
  return path;
}

describe('escalation policies', () => {
  it('read durations as text or milliseconds', () => {
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs(1500)).toBe(1500);
    expect(durationMs('5 parsecs')).toBeNull();
  });

  it('load from a file with every problem named by path', () => {
    const policies = loadEscalationFile(
      file(`policies:
  - name: pager
    minSeverity: critical
    labels: { team: db }
    steps:
      - { after: 5m, targets: [pagerduty] }
      - { after: 30m, targets: [pagerduty-secondary, slack] }
`),
    );
    expect(policies).toEqual([
      {
        name: 'pager',
        enabled: true,
        route: { minSeverity: 'critical', labels: { team: 'db' } },
        steps: [
          { afterMs: 300_000, targets: ['pagerduty'] },
          { afterMs: 1_800_000, targets: ['pagerduty-secondary', 'slack'] },
        ],
        source: 'file',
      },
    ]);
    const broken = file(`policies:
  - { name: a, minSeverity: critical, steps: [{ after: soon, targets: [x] }] }
  - { name: a, minSeverity: urgent, steps: [] }
`);
    expect(() => loadEscalationFile(broken)).toThrow(ConfigFileError);
    try {
      loadEscalationFile(broken);
    } catch (error) {
      expect((error as ConfigFileError).problems.join('\n')).toMatch(/\/policies\/1\/minSeverity/);
    }
    expect(() =>
      loadEscalationFile(
        file('policies:\n  - { name: a, minSeverity: critical, steps: [{ after: 5 parsecs, targets: [x] }] }\n'),
      ),
    ).toThrow(/policies\/0\/steps\/0\/after: "5 parsecs" is not a duration/);
  });

  it('round-trip through the API shape', () => {
    const result = completePolicy(
      { name: 'p', minSeverity: 'high', tenants: ['acme'], steps: [{ after: '2s', targets: ['t'] }] },
      'api',
    );
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(policyInput(result.policy)).toEqual({
        name: 'p',
        enabled: true,
        minSeverity: 'high',
        tenants: ['acme'],
        steps: [{ after: 2000, targets: ['t'] }],
      });
  });

  it('give one deterministic job id per policy, step, fingerprint and episode', () => {
    const job = {
      policy: 'p',
      step: 0,
      tenant: 'acme',
      fingerprint: 'fp:1',
      episodeStartedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(escalationJobId(job)).toBe(escalationJobId({ ...job }));
    expect(escalationJobId(job)).not.toContain(':');
    expect(escalationJobId({ ...job, step: 1 })).not.toBe(escalationJobId(job));
    expect(escalationJobId({ ...job, episodeStartedAt: '2026-01-01T00:00:01.000Z' })).not.toBe(escalationJobId(job));
    expect(escalationJobId({ ...job, tenant: 'other' })).not.toBe(escalationJobId(job));
  });
});
