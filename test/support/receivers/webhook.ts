import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Contract, json, type Received } from './http-receiver.js';

/**
 * A generic webhook receiver that verifies Standard Webhooks signatures (targets.md): rejects a
 * wrong signature or a timestamp outside the tolerance, and reports message ids it saw twice.
 */
export function webhookContract(secret?: string, toleranceSeconds = 300) {
  const seenIds = new Map<string, number>();
  const contract: Contract & { seenIds: typeof seenIds } = {
    name: 'webhook',
    seenIds,
    problem(request: Received) {
      const body = request.json as { type?: string; tenant?: string; alerts?: unknown[] } | undefined;
      if (body?.type !== 'alerts.batch' || typeof body.tenant !== 'string' || !Array.isArray(body.alerts))
        return 'alerts.batch expected';
      const id = String(request.headers['webhook-id'] ?? '');
      const timestamp = Number(request.headers['webhook-timestamp']);
      if (!id || !Number.isFinite(timestamp)) return 'missing webhook-id / webhook-timestamp';
      if (Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return 'timestamp outside tolerance';
      if (secret) {
        const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
        const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
        const signatures = String(request.headers['webhook-signature'] ?? '').split(' ');
        const valid = signatures.some((entry) => {
          const [version, value] = entry.split(',');
          const given = Buffer.from(value ?? '', 'base64');
          return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
        });
        if (!valid) return 'invalid signature';
      }
      return null;
    },
    accept(request) {
      const id = String(request.headers['webhook-id']);
      seenIds.set(id, (seenIds.get(id) ?? 0) + 1);
      return json(200, { received: true });
    },
    reject: (problem) => json(400, { error: problem }),
    throttle: (seconds) => json(429, { error: 'slow down' }, { 'retry-after': String(seconds) }),
    serverError: (status) => json(status, { error: 'unavailable' }),
  };
  return contract;
}
