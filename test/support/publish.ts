import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrayOverlaps, inArray } from 'drizzle-orm';
import { stringify } from 'yaml';
import type { Alert } from '../../src/alert/alert.js';
import { openServices, type Services } from '../../src/compose/services.js';
import type { TargetDefinition } from '../../src/publish/model.js';
import type { Db } from '../../src/store/db.js';
import { publishDeadLetters, publishLog, publishTargets } from '../../src/store/schema.js';
import { dropNamespace, silentLog, testConfig } from './harness.js';
import { type Contract, HttpReceiver } from './receivers/http-receiver.js';
import { webhookContract } from './receivers/webhook.js';

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
  await dropNamespace(services.redis, services.config.QUEUE_PREFIX);
  await services.close();
}

export { silentLog };

/**
 * What a publish test creates on shared tables and servers (target names, tenants, webhook
 * receivers), so it cleans up exactly that and never another test's rows.
 */
export class PublishTestScope {
  readonly targets: string[] = [];
  readonly tenants: string[] = [];
  private readonly receivers: HttpReceiver[] = [];

  /** A started receiver (a webhook unless another contract is given), closed by closeReceivers(). */
  async receiver(contract: Contract = webhookContract()): Promise<HttpReceiver> {
    const started = await new HttpReceiver(contract).start();
    this.receivers.push(started);
    return started;
  }

  async closeReceivers(): Promise<void> {
    await Promise.all(this.receivers.splice(0).map((receiver) => receiver.close()));
  }

  /** Deletes the scope's targets, their dead letters and its tenants' publish log. */
  async deleteRows(db: Db): Promise<void> {
    await db.delete(publishTargets).where(inArray(publishTargets.name, this.targets));
    await db.delete(publishDeadLetters).where(inArray(publishDeadLetters.target, this.targets));
    await db.delete(publishLog).where(arrayOverlaps(publishLog.tenants, this.tenants));
  }
}
