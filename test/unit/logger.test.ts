import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug' }, stream) };
}

describe('logger redaction', () => {
  it('replaces credentials in headers, target settings and URLs', () => {
    const { lines, log } = capture();
    const headers = {
      authorization: 'Bearer ag_secret1',
      'x-api-key': 'ag_secret2',
      cookie: 'session=secret3',
      'webhook-signature': 'v1,secret4',
      'user-agent': 'curl',
    };
    log.info({ req: { method: 'GET', url: '/x?api_key=ag_secret5&limit=2', headers } }, 'request');
    log.info({ headers }, 'outgoing');
    log.warn({ target: { name: 'pd', settings: { routingKey: 'secret6' } } }, 'target');
    log.warn({ settings: { url: 'https://hooks.slack.com/services/secret7' } }, 'settings');
    const output = lines.join('');
    for (let i = 1; i <= 7; i++) expect(output).not.toContain(`secret${i}`);
    const [request, outgoing, target] = lines.map((line) => JSON.parse(line));
    expect(request.req.url).toBe('/x?api_key=[Redacted]&limit=2');
    expect(outgoing.headers).toMatchObject({ authorization: '[Redacted]', 'user-agent': 'curl' });
    expect(target.target).toEqual({ name: 'pd', settings: '[Redacted]' });
  });

  it('redacts every api_key parameter, whatever its position or case', () => {
    expect(redactUrl('/a?api_key=k1')).toBe('/a?api_key=[Redacted]');
    expect(redactUrl('/a?x=1&API_KEY=k2&api_key=k3#f')).toBe('/a?x=1&API_KEY=[Redacted]&api_key=[Redacted]#f');
    expect(redactUrl('/a?my_api_key=v')).toBe('/a?my_api_key=v');
  });
});
