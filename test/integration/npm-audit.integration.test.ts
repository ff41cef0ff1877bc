import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * scripts/audit.sh runs the real npm against a local stand-in registry that answers the bulk
 * advisory endpoint (POST /-/npm/v1/security/advisories/bulk, gzip JSON of {name: [versions]}) and
 * packuments (GET /{name}), as the npm registry does.
 */
type Behaviour =
  | { kind: 'advisory'; name: string; severity: 'low' | 'high' | 'critical' }
  | { kind: 'status'; status: number };

let behaviour: Behaviour = { kind: 'status', status: 405 };
/** npm caches its analysis per advisory: every answer is a new advisory. */
let advisoryId = 0;
let server: Server;
let registry: string;
/** npm caches what it computes from advisories; a private cache keeps stand-in advisories out of the user's. */
const cache = mkdtempSync(join(tmpdir(), 'alertgate-audit-cache-'));

function answer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/-/npm/v1/security/advisories/bulk')) {
      if (behaviour.kind === 'status') {
        response.statusCode = behaviour.status;
        response.end();
        return;
      }
      advisoryId += 1;
      response.end(
        JSON.stringify({
          [behaviour.name]: [
            {
              id: advisoryId,
              url: `https://advisories.example/${advisoryId}`,
              title: 'Stand-in advisory',
              severity: behaviour.severity,
              vulnerable_versions: '<99.0.0',
              cwe: [],
              cvss: { score: 7.5, vectorString: null },
            },
          ],
        }),
      );
      return;
    }
    const name = decodeURIComponent((request.url ?? '/').slice(1));
    response.end(
      JSON.stringify({ name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name, version: '1.0.0' } } }),
    );
  });
}

function audit(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, npm_config_cache: cache };
    execFile('bash', ['scripts/audit.sh', ...args], { timeout: 120_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cache, { recursive: true, force: true });
});

describe('scripts/audit.sh', () => {
  it('fails on a high or a critical advisory in a production dependency (parse-duration), naming it', async () => {
    for (const severity of ['high', 'critical'] as const) {
      behaviour = { kind: 'advisory', name: 'parse-duration', severity };
      const result = await audit('--registry', registry);
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain(`parse-duration * [${severity}]: Stand-in advisory`);
    }
  }, 120_000);

  it('passes when the advisories are below high, or only in development dependencies', async () => {
    for (const advisory of [
      { name: 'parse-duration', severity: 'low' },
      { name: 'vitest', severity: 'critical' },
    ] as const) {
      behaviour = { kind: 'advisory', ...advisory };
      const result = await audit('--registry', registry);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('no high or critical advisories');
    }
  }, 60_000);

  it('says plainly, and passes, when the audit service cannot answer', async () => {
    for (const status of [405, 503]) {
      behaviour = { kind: 'status', status };
      const result = await audit('--registry', registry, '--fetch-retries=0');
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('NOT CHECKED');
      expect(result.output).toContain(String(status));
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await audit('--registry', `http://127.0.0.1:${port}/`, '--fetch-retries=0');
    expect(unreachable.code, unreachable.output).toBe(0);
    expect(unreachable.output).toMatch(/NOT CHECKED.*ECONNREFUSED/);
  }, 120_000);

  it('fails when npm itself fails (no lockfile), which is not an unavailable service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertgate-audit-'));
    try {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { a: '1' } }),
      );
      const result = await audit('--prefix', dir, '--registry', registry);
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain('ENOLOCK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
