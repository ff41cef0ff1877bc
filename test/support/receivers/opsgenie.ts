import { type Contract, json, type Received } from './http-receiver.js';

/** Opsgenie Alert API v2 (targets.md): create, close/acknowledge by alias; 202 async; 4xx/422; 429. */
export function opsgenieContract(apiKey: string) {
  /** Alerts by alias: open (with a count) or closed. */
  const alerts = new Map<string, { status: 'open' | 'acked' | 'closed'; count: number }>();
  const requestId = () => `req-${Math.random().toString(36).slice(2)}`;
  const contract: Contract & { alerts: typeof alerts } = {
    name: 'opsgenie',
    alerts,
    problem(request: Received) {
      if (request.headers.authorization !== `GenieKey ${apiKey}`) return 'unauthorized';
      const url = new URL(request.path, 'http://x');
      const body = request.json as Record<string, unknown> | undefined;
      if (url.pathname === '/v2/alerts') {
        if (typeof body?.message !== 'string' || body.message.length === 0 || body.message.length > 130)
          return 'message is required (≤ 130)';
        if (typeof body.alias === 'string' && body.alias.length > 512) return 'alias too long';
        if (body.priority !== undefined && !/^P[1-5]$/.test(String(body.priority))) return 'invalid priority';
        if (body.details && Object.values(body.details).some((v) => typeof v !== 'string'))
          return 'details must be strings';
        return null;
      }
      if (/^\/v2\/alerts\/[^/]+\/(close|acknowledge)$/.test(url.pathname))
        return url.searchParams.get('identifierType') === 'alias' ? null : 'identifierType=alias expected';
      return `unknown endpoint ${url.pathname}`;
    },
    accept(request) {
      const url = new URL(request.path, 'http://x');
      const action = /^\/v2\/alerts\/([^/]+)\/(close|acknowledge)$/.exec(url.pathname);
      if (action) {
        const alias = decodeURIComponent(action[1] as string);
        const existing = alerts.get(alias);
        if (existing) existing.status = action[2] === 'close' ? 'closed' : 'acked';
      } else {
        const alias = String((request.json as { alias?: string }).alias ?? requestId());
        const existing = alerts.get(alias);
        if (existing && existing.status !== 'closed') existing.count++;
        else alerts.set(alias, { status: 'open', count: 1 });
      }
      return json(202, { result: 'Request will be processed', took: 0.002, requestId: requestId() });
    },
    reject: (problem) =>
      json(problem === 'unauthorized' ? 401 : 422, { message: problem, took: 0.001, requestId: requestId() }),
    throttle: (seconds) =>
      json(429, { message: 'Too many requests', took: 0, requestId: requestId() }, { 'retry-after': String(seconds) }),
    serverError: (status) => json(status, { message: 'Internal error', took: 0, requestId: requestId() }),
  };
  return contract;
}
