/**
 * `npm run bench:write [-- --batches 30 --batch-size 1500]`: PostgreSQL CPU per stored alert of the
 * batch writer's insert (insertAlertRows), one transaction per batch as the worker commits them,
 * into a dedicated far-future day's partition (lean indexes, as a day that takes writes), then of
 * sealing that day (sealPartition: the rest of the search indexes) spread over its rows. PostgreSQL
 * CPU is read from /proc: the backend of the benchmark's own connection (exact, whatever else the
 * machine runs) and every `postgres` process (includes WAL writer, checkpointer, autovacuum and
 * other users of the server).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Alert } from '../src/alert/alert.js';
import { alertId } from '../src/alert/identity.js';
import { loadConfig } from '../src/config.js';
import { type AlertRow, insertAlertRows } from '../src/store/alert-rows.js';
import { openDatabase } from '../src/store/db.js';
import { ensurePartitions, PARTITIONED_TABLES, partitionName, sealPartition } from '../src/store/partitions.js';
import { cpuSeconds, serviceCpuSeconds } from './lib/probes.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '1500' },
    'warm-up': { type: 'string', default: '5' },
  },
});
const batches = Number(values.batches);
const batchSize = Number(values['batch-size']);
const warmUp = Number(values['warm-up']);

const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
if (!/\/\/([^@/]*@)?127\.0\.0\.1[:/]/.test(config.DATABASE_URL))
  throw new Error('the benchmark reads PostgreSQL CPU from /proc: it only runs against 127.0.0.1');
/** One connection, so every statement runs in the backend whose CPU is read. */
const database = openDatabase(config.DATABASE_URL, { max: 1, applicationName: 'bench-write' });
const { sql } = database;
const tenant = `bench-write-${randomUUID()}`;
const day = new Date(Date.UTC(2093, 2, 1));
const severities = ['info', 'warning', 'high', 'critical'] as const;
const services = ['checkout', 'payments', 'search', 'auth', 'catalog'];

/** Batch `b` of ~1 KB alerts received one millisecond apart, distinct text per row. */
function batch(b: number): AlertRow[] {
  const requestId = randomUUID();
  return Array.from({ length: batchSize }, (_, i) => {
    const n = b * batchSize + i;
    const receivedAt = new Date(day.getTime() + n).toISOString();
    const service = services[n % services.length] as string;
    const alert: Alert = {
      id: alertId(tenant, requestId, i, receivedAt),
      eventId: `evt-${n}`,
      name: `HighLatency ${service} p99 #${n % 997}`,
      status: n % 5 === 0 ? 'resolved' : 'firing',
      severity: severities[n % severities.length] as Alert['severity'],
      fingerprint: `fp-${n % 20_000}`,
      lastReceived: receivedAt,
      description: `p99 latency ${n % 1000} ms above threshold on ${service} instance host-${n % 400} in eu-west-${n % 3}`,
      message: `Runbook step ${n % 13}: check the ${service} connection pool and upstream ${n % 31}`,
      source: ['prometheus'],
      service,
      environment: n % 4 === 0 ? 'staging' : 'production',
      url: `https://grafana.example.com/d/latency?var-instance=host-${n % 400}`,
      labels: { alertname: 'HighLatency', instance: `host-${n % 400}:9100`, team: `team-${n % 7}`, region: 'eu' },
      extra: { annotations: { runbook: 'https://runbooks.example.com/latency' }, value: String(n % 1000) },
      tenant,
      providerType: 'prometheus',
      providerId: null,
      receivedAt,
    };
    return { alert, contentHash: `hash-${n}`, startedAt: receivedAt };
  });
}

async function main(): Promise<void> {
  await ensurePartitions(sql, day, day);
  const [{ pid } = { pid: 0 }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const prepared = Array.from({ length: warmUp + batches }, (_, b) => batch(b));
  for (const rows of prepared.slice(0, warmUp)) await sql.begin((tx) => insertAlertRows(tx, rows));

  const table = partitionName('alerts', day);
  console.log(`${table} while it takes writes: ${(await indexesOf(table)).join(', ')}`);
  const insert = await measure(pid, async () => {
    for (const rows of prepared.slice(warmUp)) await sql.begin((tx) => insertAlertRows(tx, rows));
  });
  const [{ stored } = { stored: 0 }] = await sql<{ stored: number }[]>`
    select count(*)::int as stored from ${sql(table)} where tenant = ${tenant}`;
  if (stored !== prepared.length * batchSize) throw new Error(`stored ${stored} rows`);
  const seal = await measure(pid, () => sealPartition(sql, day));
  console.log(`sealed: ${(await indexesOf(table)).join(', ')}\n`);

  const measured = batches * batchSize;
  const perAlert = (seconds: number, rows: number) => `${((seconds * 1e6) / rows).toFixed(1)} µs`.padStart(9);
  console.log(`insert: ${batches} batches of ${batchSize} rows after ${warmUp} warm-up batches, one transaction each`);
  console.log(`  wall per batch                 ${(insert.wallMs / batches).toFixed(1)} ms`);
  console.log(`  PostgreSQL backend CPU     ${perAlert(insert.backend, measured)} per stored alert`);
  console.log(
    `  all postgres processes     ${perAlert(insert.server, measured)} per stored alert (includes others' load)`,
  );
  console.log(`seal: the day's ${stored.toLocaleString('en')} rows, in ${(seal.wallMs / 1000).toFixed(1)} s`);
  console.log(`  PostgreSQL backend CPU     ${perAlert(seal.backend, stored)} per stored alert`);
  console.log(
    `insert + seal, backend CPU   ${perAlert(insert.backend / measured + seal.backend / stored, 1)} per stored alert`,
  );
}

/** Backend CPU, all postgres CPU (seconds) and wall time (ms) that `work` took. */
async function measure(pid: number, work: () => Promise<unknown>) {
  const backendBefore = await cpuSeconds(pid);
  const serverBefore = await serviceCpuSeconds('postgres');
  const started = performance.now();
  await work();
  return {
    wallMs: performance.now() - started,
    backend: (await cpuSeconds(pid)) - backendBefore,
    server: (await serviceCpuSeconds('postgres')) - serverBefore,
  };
}

async function indexesOf(table: string): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select indexname as name from pg_indexes where tablename = ${table} order by 1`;
  return rows.map((row) => row.name.replace(`${table}_`, ''));
}

try {
  await main();
} finally {
  for (const table of PARTITIONED_TABLES) await sql`drop table if exists ${sql(partitionName(table, day))}`;
  await database.close();
}
