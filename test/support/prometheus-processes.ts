/**
 * Real Prometheus and Alertmanager (Debian's packages, installed by scripts/stack.sh) for end-to-end
 * tests: on 127.0.0.1 at free ports, with their configuration and storage in a temp directory.
 * Configurations are written as JSON, which both read as YAML.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './harness.js';
import { closedPort } from './search-app.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface Daemon {
  url: string;
  /** The end of its log, to explain a failure. */
  logTail(): string;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Where Prometheus sends its alerts: one `alerting.alertmanagers` entry. */
export interface AlertmanagerEntry {
  url: string;
  apiVersion: 'v1' | 'v2';
  /** `authorization` (Bearer) or `basic_auth`, as Prometheus's http_config puts them. */
  auth?: { bearer: string } | { basicPassword: string };
}

/** Prometheus evaluating one alerting rule and re-sending its alerts every second. */
export interface PrometheusDaemon extends Daemon {
  /** Rewrites the rule to select nothing and reloads (SIGHUP): the alert resolves. */
  stopFiring(): void;
}

/** One always-firing rule (`expr: vector(1)`), evaluated and re-sent every second. */
export async function startPrometheus(
  dir: string,
  options: { alertmanagers: AlertmanagerEntry[]; externalLabels: Record<string, string>; rule: PrometheusRule },
): Promise<PrometheusDaemon> {
  mkdirSync(dir, { recursive: true });
  const rulesFile = join(dir, 'rules.yml');
  const writeRule = (expr: string) =>
    writeFileSync(
      rulesFile,
      JSON.stringify({ groups: [{ name: 'e2e', interval: '1s', rules: [{ ...options.rule, expr }] }] }),
    );
  writeRule('vector(1)');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { evaluation_interval: '1s', external_labels: options.externalLabels },
      rule_files: [rulesFile],
      alerting: { alertmanagers: options.alertmanagers.map(alertmanagerConfig) },
    }),
  );
  const port = await closedPort();
  const daemon = await startDaemon(dir, 'prometheus', port, PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--rules.alert.resend-delay=1s',
  ]);
  return {
    ...daemon,
    stopFiring() {
      // Same name and labels, so the reload carries the active alert over and then resolves it.
      writeRule('vector(1) == 0');
      daemon.signal('SIGHUP');
    },
  };
}

export interface PrometheusRule {
  alert: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function alertmanagerConfig(entry: AlertmanagerEntry): Record<string, unknown> {
  const url = new URL(entry.url);
  const auth =
    entry.auth === undefined
      ? {}
      : 'bearer' in entry.auth
        ? { authorization: { type: 'Bearer', credentials: entry.auth.bearer } }
        : { basic_auth: { username: 'prometheus', password: entry.auth.basicPassword } };
  return {
    api_version: entry.apiVersion,
    scheme: url.protocol.replace(':', ''),
    timeout: '5s',
    static_configs: [{ targets: [url.host] }],
    ...auth,
  };
}

/** Alertmanager notifying one webhook at once, and again every two seconds while the alert fires. */
export async function startAlertmanager(dir: string, webhook: { url: string; bearer: string }): Promise<Daemon> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    JSON.stringify({
      route: {
        receiver: 'alertgate',
        group_by: ['alertname'],
        group_wait: '0s',
        group_interval: '1s',
        repeat_interval: '2s',
      },
      receivers: [
        {
          name: 'alertgate',
          webhook_configs: [
            {
              url: webhook.url,
              send_resolved: true,
              http_config: { authorization: { type: 'Bearer', credentials: webhook.bearer } },
            },
          ],
        },
      ],
    }),
  );
  const port = await closedPort();
  return startDaemon(dir, 'alertmanager', port, ALERTMANAGER_BIN, [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // No gossip: it would listen on every interface.
    '--cluster.listen-address=',
  ]);
}

/** Spawns a daemon logging to `<dir>/<name>.log` and waits until its /-/ready answers 200. */
async function startDaemon(dir: string, name: string, port: number, binary: string, args: string[]): Promise<Daemon> {
  const logFile = join(dir, `${name}.log`);
  const logFd = openSync(logFile, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const daemon: Daemon = {
    url,
    logTail: () => readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'),
    signal: (signal) => child.kill(signal),
    stop: () => stopChild(child, exited),
  };
  try {
    await waitFor(
      async () => {
        if (spawnError) throw spawnError;
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
        return (await fetch(`${url}/-/ready`).catch(() => null))?.ok;
      },
      20_000,
      100,
    );
  } catch (error) {
    await daemon.stop();
    throw new Error(`${name} did not become ready: ${(error as Error).message}\n${daemon.logTail()}`);
  }
  return daemon;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
