import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configReference, loadConfig, redactConfig } from '../../src/config.js';
import { checkConfigFiles } from '../../src/config-check.js';

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig({ PORT: '9000', ELASTICSEARCH_REQUIRED: 'false' });
    expect(config.PORT).toBe(9000);
    expect(config.ELASTICSEARCH_REQUIRED).toBe(false);
    expect(config.SHARDS).toBe(16);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every invalid variable at once with the expected form', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'not a url', RAW_STORE: 'sometimes' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^PORT="eighty": must be integer; expected integer ≥ 0 ≤ 65535/);
    expect(problems[1]).toMatch(/^LOG_LEVEL="loud": .*one of fatal, error, warn/);
    expect(problems[2]).toMatch(/^DATABASE_URL="not a url": must match format "uri"/);
    expect(problems[3]).toMatch(/^RAW_STORE="sometimes"/);
  });

  it('groups the variables into sections in the units their components take', () => {
    const config = loadConfig({
      HEALTH_WORKER_LIVENESS_SECONDS: '7',
      QUEUE_SAMPLE_INTERVAL_MS: '2000',
      SELF_ALERT_INTERVAL_SECONDS: '20',
      JSON_MAX_KEYS: '50',
      GATEWAY_PROCESSES: '3',
      SHUTDOWN_GRACE_MS: '9000',
    });
    expect(config.observe.sampler).toMatchObject({ intervalMs: 2000, workerLivenessMs: 7000 });
    expect(config.observe.health.staleAfterMs).toBe(10_000);
    expect(config.observe.selfAlerts.intervalMs).toBe(20_000);
    expect(config.http.app.json.maxKeys).toBe(50);
    expect(config.supervisor).toEqual({
      processes: { gateways: 3, workers: config.WORKER_PROCESSES },
      drain: { graceMs: 9000 },
    });
  });

  it('checks relations between variables', () => {
    expect(() => loadConfig({ BACKPRESSURE_HIGH_WATERMARK: '10', BACKPRESSURE_LOW_WATERMARK: '20' })).toThrow(
      /BACKPRESSURE_LOW_WATERMARK must be below BACKPRESSURE_HIGH_WATERMARK/,
    );
  });

  it('checks the raw-storage policies', () => {
    expect(() => loadConfig({ RAW_STORE_PROVIDERS: 'datadog' })).toThrow(
      /RAW_STORE_PROVIDERS entry "datadog": expected provider=policy/,
    );
  });

  it('gives the queue prefix a hash tag in Redis Cluster mode, keeping one already there', () => {
    expect(loadConfig({ QUEUE_PREFIX: 'alertgate' }).QUEUE_PREFIX).toBe('alertgate');
    const cluster = { REDIS_CLUSTER_NODES: 'redis-a:7000,10.0.0.2:7001' };
    expect(loadConfig({ ...cluster, QUEUE_PREFIX: 'alertgate' }).QUEUE_PREFIX).toBe('{alertgate}');
    expect(loadConfig({ ...cluster, QUEUE_PREFIX: 'prod-{ag}' }).QUEUE_PREFIX).toBe('prod-{ag}');
  });

  it('rejects cluster seed nodes that are not host:port', () => {
    for (const nodes of ['redis-a', 'redis-a:7000,', 'redis://redis-a:7000', 'a:1 b:2'])
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes })).toThrow(
        /^invalid configuration:\n {2}REDIS_CLUSTER_NODES=/,
      );
  });

  it('redacts passwords in URLs', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://user:s3cret@db:5432/x' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
  });

  it('documents every variable', () => {
    const table = configReference();
    for (const name of ['PORT', 'DATABASE_URL', 'SHARDS', 'RAW_STORE']) expect(table).toContain(`| \`${name}\` |`);
  });
});

describe('checkConfigFiles', () => {
  it('names the file, the path in it and the problem for every configured file', () => {
    const file = join(tmpdir(), `limits-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(file, 'default:\n  capacity: -1\n  refillPerSecond: 5\nunknownKey: true\n');
    const problems = checkConfigFiles(loadConfig({ RATE_LIMITS_FILE: file }));
    expect(problems).toContain(`RATE_LIMITS_FILE=${file}: /default/capacity: must be >= 1`);
    expect(problems.some((problem) => problem.includes('/unknownKey'))).toBe(true);
  });

  it('refuses a rate limit for an unknown provider, and two for one provider under its alias', () => {
    const file = join(tmpdir(), `limits-${process.pid}-${Date.now()}-names.yaml`);
    const bucket = '{ capacity: 5, refillPerSecond: 1 }';
    writeFileSync(
      file,
      `providers:\n  nagios: ${bucket}\n  prometheus: ${bucket}\n  alertmanager: ${bucket}\ntenants:\n  acme:\n    providers:\n      alertmanager: ${bucket}\n`,
    );
    expect(checkConfigFiles(loadConfig({ RATE_LIMITS_FILE: file }))).toEqual([
      `RATE_LIMITS_FILE=${file}: /providers/nagios: unknown provider "nagios"`,
      `RATE_LIMITS_FILE=${file}: /providers/alertmanager: provider "prometheus" has two buckets`,
    ]);
  });

  it('reports an unreadable file instead of throwing', () => {
    const problems = checkConfigFiles(loadConfig({ RATE_LIMITS_FILE: '/nonexistent/limits.yaml' }));
    expect(problems).toEqual([
      expect.stringMatching(/^RATE_LIMITS_FILE=\/nonexistent\/limits.yaml: cannot read: ENOENT/),
    ]);
  });

  it('is silent when every file is valid or absent', () => {
    expect(checkConfigFiles(loadConfig({}))).toEqual([]);
  });
});
