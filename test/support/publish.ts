import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Alert } from '../../src/alert/alert.js';
import type { TargetDefinition } from '../../src/publish/model.js';
import { openServices, type Services } from '../../src/services.js';
import { silentLog, testConfig } from './harness.js';

/** A canonical alert for tenant `tenant`; fields overridable. */
export function makeAlert(tenant: string, overrides: Partial<Alert> = {}): Alert {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    eventId: null,
    name: 'HighLatency',
    status: 'firing',
    severity: 'critical',
    fingerprint: `fp-${randomUUID()}`,
    tenant,
    providerType: 'prometheus',
    providerId: null,
    receivedAt: now,
    lastReceived: now,
    description: 'p99 above 2 s',
    message: 'checkout p99 latency is 2.4 s',
    source: ['prometheus'],
    service: 'checkout',
    environment: 'prod',
    url: 'https://grafana.example/d/1',
    labels: { team: 'payments', region: 'eu-1' },
    extra: {},
    ...overrides,
  };
}

/** Writes a TARGETS_FILE (YAML) in a fresh temp dir and returns its path. */
export function writeTargetsFile(targets: Partial<TargetDefinition>[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'alertgate-targets-'));
  const file = join(dir, 'targets.yaml');
  writeFileSync(file, stringify({ targets }));
  return file;
}

/** Test config with fast publish timings, in its own queue namespace, plus services on it. */
export function publishServices(overrides: Record<string, string> = {}): Services {
  const config = testConfig({
    PUBLISH_BACKOFF_BASE_MS: '100',
    PUBLISH_BACKOFF_MAX_MS: '1000',
    PUBLISH_TIMEOUT_MS: '2000',
    PUBLISH_HEALTH_PROBE_MS: '60000',
    PUBLISH_CIRCUIT_HALF_OPEN_MS: '60000',
    PUBLISH_TARGETS_REFRESH_MS: '200',
    ...overrides,
  });
  return openServices(config, 'test');
}

/** Deletes the Redis keys of a services' queue prefix and closes them. */
export async function closeServices(services: Services): Promise<void> {
  const keys = await services.redis.keys(`${services.config.QUEUE_PREFIX}:*`);
  if (keys.length > 0) await services.redis.del(...keys);
  await services.close();
}

export { silentLog };
