import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminUi } from '../../admin-ui/build.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { type Publisher, startPublisher } from '../../src/compose/worker.js';
import { registry } from '../../src/metrics.js';
import { ProcessStatsPublisher } from '../../src/observe/process-stats.js';
import { IngestDeadLetters } from '../../src/pipeline/dead-letters.js';
import { openTestStack, silentLog, type TestStack, uniqueTenant } from '../support/harness.js';
import { makeAlert, writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';

/** Debian's chromium, headless, no network side traffic (see the env notes). */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let stack: TestStack;
let gateway: Gateway;
let base: string;
let adminKey: string;
let ingestKey: string;
let context: BrowserContext;
let page: Page;
const targetName = `pager-${randomUUID().slice(0, 6)}`;
let receiver: HttpReceiver;
let publisher: Publisher;
let stats: ProcessStatsPublisher;
const pageErrors: string[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  const uiDir = mkdtempSync(join(tmpdir(), 'alertgate-admin-ui-'));
  const profile = mkdtempSync(join(tmpdir(), 'alertgate-chromium-'));
  dirs.push(uiDir, profile);
  await buildAdminUi(uiDir);
  const tenant = uniqueTenant('load');
  receiver = await new HttpReceiver(webhookContract()).start();
  stack = openTestStack({
    SHARDS: '4',
    ADMIN_UI_DIR: uiDir,
    QUEUE_SAMPLE_INTERVAL_MS: '500',
    STATS_SHARE_INTERVAL_MS: '500',
    TARGETS_FILE: writeTargetsFile([
      {
        name: targetName,
        type: 'webhook',
        settings: { url: `${receiver.url}/hook` },
        routes: [{ tenants: [tenant] }],
      },
    ]),
  });
  stats = new ProcessStatsPublisher(
    stack.services.redis,
    registry,
    { prefix: stack.config.QUEUE_PREFIX, intervalMs: 500, role: 'all' },
    silentLog,
  );
  await stats.start();
  gateway = await stack.gateway();
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  publisher = await startPublisher(stack.services, silentLog);
  await stack.worker({ outputs: [publisher.output] });
  adminKey = await stack.createKey(uniqueTenant('admin'), { isAdmin: true });
  ingestKey = await stack.createKey(tenant);

  // One ingest job that failed for good, waiting for the replay button.
  const deadLetters = new IngestDeadLetters(stack.services.redis, stack.config.QUEUE_PREFIX);
  await deadLetters.add({
    shard: 0,
    entryId: '1-0',
    job: {
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      providerId: null,
      alerts: [makeAlert(tenant, { providerType: 'keep' })],
      hashes: ['0'],
    },
    error: 'value too long for type character varying(255)',
    failedAt: new Date().toISOString(),
  });
  await deadLetters.close();

  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // The refused key's 401 is logged by the browser itself; anything else is the page's fault.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) pageErrors.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await publisher?.stop();
  await stats?.stop();
  await stack?.close();
  await receiver?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Sends alerts from two providers until `stop` resolves; some are re-sends (duplicates). */
async function load(until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let sent = 0;
  while (!done) {
    const batch = Array.from({ length: 20 }, (_, i) => {
      const n = (sent + i) % 200;
      return { name: `load-${n}`, severity: n % 5 === 0 ? 'critical' : 'warning' };
    });
    const prom = { alerts: [{ labels: { alertname: `Prom${sent % 50}`, severity: 'warning' } }] };
    const headers = { 'x-api-key': ingestKey, 'content-type': 'application/json' };
    const [a, b] = await Promise.all([
      fetch(`${base}/alerts/event/keep`, { method: 'POST', headers, body: JSON.stringify(batch) }),
      fetch(`${base}/alerts/event/prometheus`, { method: 'POST', headers, body: JSON.stringify(prom) }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    sent += 21;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return sent;
}

const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';

describe('admin page', () => {
  it('signs in, shows live numbers that move under load, replays a dead letter, without re-rendering', async () => {
    const response = await page.goto(`${base}/admin`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/admin/`);
    await page.locator('#login').waitFor({ state: 'visible' });

    // A wrong key is refused on the form; the right one opens the page.
    await page.fill('#key', 'ag_wrong');
    await page.click('#login button[type=submit]');
    await expect.poll(() => text('#login-error')).toMatch(/Invalid API Key/);
    await page.fill('#key', adminKey);
    await page.click('#login button[type=submit]');
    await page.locator('#app').waitFor({ state: 'visible' });
    await expect.poll(() => text('#health'), { timeout: 10_000 }).toMatch(/healthy|degraded|unhealthy/);
    // In-page code as strings: the test's own TypeScript has no DOM types.
    expect(await page.evaluate("sessionStorage.getItem('alertgate.adminKey')")).toBe(adminKey);

    // Every rate names the trailing window it averages over: 10 s on the tiles and the ingest chart,
    // a minute in the provider table, so their figures can differ.
    for (const tile of ['#tile-ingest', '#tile-bytes', '#tile-rejected']) {
      expect(await text(`${tile} .window`)).toBe('avg. of last 10 s');
    }
    expect(await text('figure:has(#chart-ingest) figcaption')).toBe(
      'Ingest and 429s per second, each point avg. of last 10 s',
    );
    expect(await text('#providers-window')).toBe(
      'rates per second averaged over the last 60 s (the tiles: last 10 s); counts over the last 60 s',
    );

    // Keep handles on nodes: in-place updates must leave them attached (no re-render, no flicker).
    await page.evaluate(
      "window.tileNode = document.querySelector('#tile-ingest .value'); window.chartNode = document.querySelector('#chart-ingest canvas')",
    );

    let stopLoad!: () => void;
    const loadDone = new Promise<void>((resolve) => {
      stopLoad = resolve;
    });
    const loading = load(loadDone);
    const seen = new Set<string>();
    try {
      await expect
        .poll(
          async () => {
            seen.add(await text('#tile-ingest .value'));
            return [...seen].filter((value) => value !== '0' && value !== '—').length;
          },
          { timeout: 20_000, interval: 250 },
        )
        .toBeGreaterThanOrEqual(3);
      await expect.poll(() => page.locator('#providers tr[data-key="keep"]').count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => page.locator('#providers tr[data-key="prometheus"]').count()).toBe(1);
      // Targets are shared by every test in the database: look for this test's own.
      await expect.poll(() => page.locator(`#targets tr[data-key="${targetName}"]`).count()).toBe(1);
      await expect.poll(async () => Number(await text('#tile-workers .value'))).toBe(1);
      expect(await page.locator('#shards tr').count()).toBe(4);
      // Dedup ratio of keep: the load re-sends 200 alerts in a loop, so duplicates appear.
      await expect
        .poll(() => text('#providers tr[data-key="keep"] td:nth-child(6)'), { timeout: 15_000 })
        .not.toBe('0');
    } finally {
      stopLoad();
    }
    const sent = await loading;
    expect(sent).toBeGreaterThan(0);
    const stable = await page.evaluate(
      "window.tileNode === document.querySelector('#tile-ingest .value') && window.chartNode === document.querySelector('#chart-ingest canvas') && window.tileNode.isConnected",
    );
    expect(stable).toBe(true);

    // The dead letter: one in the tile, replayed by the button, then gone.
    await expect.poll(() => text('#dlq-ingest-size')).toBe('1');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'admin-page.png'), fullPage: true });
    await page.click('#replay-ingest');
    await expect.poll(() => text('#notice')).toBe('Ingest dead letters: 1 replayed');
    await expect.poll(() => text('#dlq-ingest-size'), { timeout: 10_000 }).toBe('0');
    expect(await page.locator('#replay-ingest').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-page-after-replay.png'), fullPage: true });

    expect(pageErrors).toEqual([]);
  }, 90_000);
});
