import { describe, expect, it } from 'vitest';
import { AlertGenerator, type GeneratedRequest } from '../../../loadtest/generator/generator.js';
import { DEFAULT_MIX, TEMPLATES } from '../../../loadtest/generator/providers/index.js';
import { type AlertKey, alertKey } from '../../../src/alert/alert-key.js';
import { contentHash } from '../../../src/alert/content-hash.js';
import { DEFAULT_RULE } from '../../../src/alert/dedup-rules.js';
import { normalizeRequest } from '../../../src/ingest/normalize-request.js';
import { PROVIDER_ADAPTERS } from '../../../src/providers/catalog.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';

const registry = new ProviderRegistry(PROVIDER_ADAPTERS);

function take(generator: AlertGenerator, count: number): GeneratedRequest[] {
  return Array.from({ length: count }, () => generator.next());
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs a request through the gateway's own validation and normalization, as the ingest route does. */
function normalize(request: GeneratedRequest, seq: number) {
  const provider = registry.get(request.provider);
  if (!provider) throw new Error(`unknown provider ${request.provider}`);
  const body: unknown = JSON.parse(request.body);
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) expect(provider.firstError(item), `${request.provider} payload`).toBeNull();
  const result = normalizeRequest(provider, body, {
    tenant: `t${request.tenant}`,
    requestId: `r${seq}`,
    now: new Date(Date.UTC(2026, 3, 1)),
    providerId: null,
    fingerprintOverride: null,
    rule: DEFAULT_RULE,
    maxAlerts: 10_000,
    timeWindow: { maxPastMs: Number.POSITIVE_INFINITY, maxFutureMs: Number.POSITIVE_INFINITY },
  });
  if (result.kind !== 'alerts') throw new Error(`${request.provider}: unexpected ${result.kind}`);
  return result;
}

/** Replays requests in order through exact dedup (last content hash per tenant and fingerprint). */
function dedupReplay(requests: readonly GeneratedRequest[]) {
  const last = new Map<AlertKey, string>();
  let duplicates = 0;
  let alerts = 0;
  requests.forEach((request, seq) => {
    for (const alert of normalize(request, seq).alerts) {
      const key = alertKey(alert.tenant, alert.fingerprint);
      const hash = contentHash(alert);
      if (last.get(key) === hash) duplicates++;
      last.set(key, hash);
      alerts++;
    }
  });
  return { duplicates, alerts, fingerprints: last.size };
}

describe('AlertGenerator', () => {
  it('produces the same stream for the same seed and a different one for another seed', () => {
    const a = take(new AlertGenerator({ seed: 7 }), 3000);
    const b = take(new AlertGenerator({ seed: 7 }), 3000);
    const c = take(new AlertGenerator({ seed: 8 }), 3000);
    expect(b).toEqual(a);
    expect(c.map((request) => request.body)).not.toEqual(a.map((request) => request.body));
  });

  it('draws long-tailed body sizes: median about 1 KB, p99 about 16 KB', () => {
    const sizes = take(new AlertGenerator({ seed: 11 }), 20_000)
      .map((request) => Buffer.byteLength(request.body))
      .sort((x, y) => x - y);
    expect(percentile(sizes, 50)).toBeGreaterThan(1024 * 0.85);
    expect(percentile(sizes, 50)).toBeLessThan(1024 * 1.15);
    expect(percentile(sizes, 99)).toBeGreaterThan(16_384 * 0.75);
    expect(percentile(sizes, 99)).toBeLessThan(16_384 * 1.25);
  });

  it('re-sends 60% of alerts by default, and exact dedup counts them as duplicates', () => {
    const requests = take(new AlertGenerator({ seed: 3 }), 6000);
    const alerts = requests.reduce((sum, request) => sum + request.alerts, 0);
    const resent = requests.filter((r) => r.kind === 'duplicate').reduce((sum, request) => sum + request.alerts, 0);
    expect(resent / alerts).toBeGreaterThan(0.56);
    expect(resent / alerts).toBeLessThan(0.64);
    const replay = dedupReplay(requests);
    expect(replay.alerts).toBe(alerts);
    // Exactly the re-sends are duplicates: flaps and new alerts always change the content.
    expect(replay.duplicates).toBe(resent);
  });

  it('honours another duplicate ratio', () => {
    const requests = take(new AlertGenerator({ seed: 5, duplicateRatio: 0.2 }), 5000);
    const replay = dedupReplay(requests);
    expect(replay.duplicates / replay.alerts).toBeGreaterThan(0.17);
    expect(replay.duplicates / replay.alerts).toBeLessThan(0.23);
  });

  it('weights the mix toward Alertmanager, Grafana, Datadog and CloudWatch and spreads tenants and keys', () => {
    const requests = take(new AlertGenerator({ seed: 9, duplicateRatio: 0 }), 10_000);
    const share = (provider: string) => requests.filter((r) => r.provider === provider).length / requests.length;
    const total = Object.values(DEFAULT_MIX).reduce((sum, weight) => sum + weight, 0);
    for (const provider of ['prometheus', 'grafana', 'datadog', 'cloudwatch']) {
      expect(share(provider)).toBeCloseTo((DEFAULT_MIX[provider] as number) / total, 1);
    }
    expect(new Set(requests.map((r) => `${r.tenant}/${r.key}`)).size).toBe(8);
    expect(requests.some((r) => r.provider === 'prometheus' && r.alerts > 1)).toBe(true);
    expect(requests.some((r) => r.kind === 'flap')).toBe(true);
  });

  it('explodes one fingerprint family in a storm', () => {
    const requests = take(new AlertGenerator({ seed: 2, stormProbability: 0.01 }), 4000);
    const storm = requests.filter((request) => request.kind === 'storm');
    expect(storm.length).toBeGreaterThan(100);
    const families = new Set(storm.slice(0, 50).map((request) => normalize(request, 0).alerts[0]?.name.split(' ')[0]));
    expect(families.size).toBeLessThanOrEqual(2);
  });

  describe.each(Object.keys(TEMPLATES))('%s payloads', (provider) => {
    it('pass the compiled schema and normalize to the announced alerts; flaps change content, re-sends do not', () => {
      const requests = take(new AlertGenerator({ seed: 4, mix: { [provider]: 1 }, flapRatio: 0.4 }), 400);
      const replay = dedupReplay(requests);
      const resent = requests.filter((r) => r.kind === 'duplicate').reduce((sum, r) => sum + r.alerts, 0);
      expect(replay.duplicates).toBe(resent);
      const created = requests.filter((r) => r.kind !== 'duplicate' && r.kind !== 'flap');
      // Every new alert is its own fingerprint.
      expect(replay.fingerprints).toBe(created.reduce((sum, r) => sum + r.alerts, 0));
      const statuses = new Set(requests.flatMap((request, seq) => normalize(request, seq).alerts.map((a) => a.status)));
      expect(statuses).toEqual(new Set(['firing', 'resolved']));
    });

    it('batches exactly 10 alerts per request when asked', () => {
      const requests = take(new AlertGenerator({ seed: 6, mix: { [provider]: 1 }, alertsPerRequest: 10 }), 30);
      requests.forEach((request, seq) => {
        expect(request.alerts).toBe(10);
        expect(normalize(request, seq).alerts).toHaveLength(10);
      });
    });
  });
});
