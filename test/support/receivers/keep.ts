import { randomUUID } from 'node:crypto';
import { SEVERITIES, STATUSES } from '../../../src/alert/alert.js';
import { type Contract, json, type Received } from './http-receiver.js';

/** The AlertDto fields the receiver checks, as Keep's pydantic model types them. */
const STRING_FIELDS = ['id', 'name', 'lastReceived', 'fingerprint'] as const;
const NULLABLE_STRINGS = ['environment', 'service', 'message', 'description', 'providerType', 'providerId'] as const;

/**
 * The first problem FastAPI would report for one AlertDto of the array, in its `detail` shape, or
 * null. Keep's status/severity would fall back to firing/info; the receiver is stricter so a wrong
 * mapping fails the test instead of passing silently.
 */
function alertProblem(alert: unknown, index: number): { loc: (string | number)[]; msg: string } | null {
  const at = (field: string) => ['body', index, field];
  if (!alert || typeof alert !== 'object' || Array.isArray(alert))
    return { loc: ['body', index], msg: 'not an object' };
  const dto = alert as Record<string, unknown>;
  for (const field of STRING_FIELDS)
    if (typeof dto[field] !== 'string' || dto[field] === '') return { loc: at(field), msg: 'field required' };
  for (const field of NULLABLE_STRINGS)
    if (dto[field] !== undefined && dto[field] !== null && typeof dto[field] !== 'string')
      return { loc: at(field), msg: 'str type expected' };
  if (!(STATUSES as readonly unknown[]).includes(dto.status)) return { loc: at('status'), msg: 'invalid AlertStatus' };
  if (!(SEVERITIES as readonly unknown[]).includes(dto.severity))
    return { loc: at('severity'), msg: 'invalid AlertSeverity' };
  if (Number.isNaN(Date.parse(dto.lastReceived as string))) return { loc: at('lastReceived'), msg: 'invalid date' };
  if (!Array.isArray(dto.source) || dto.source.some((item) => typeof item !== 'string'))
    return { loc: at('source'), msg: 'value is not a valid list' };
  const labels = dto.labels;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels))
    return { loc: at('labels'), msg: 'value is not a valid dict' };
  if (dto.url !== undefined && !/^https?:\/\/[^\s/]+/.test(String(dto.url)))
    return { loc: at('url'), msg: 'invalid or missing URL scheme' };
  return null;
}

/**
 * Keep's generic ingestion (keep/api/routes/alerts.py; keep-compat.md §1): `POST /alerts/event`
 * with `X-API-KEY`, an array of AlertDto; 202 `{task_name}`; 401 missing/invalid key; 400 unknown
 * provider (`/alerts/event/{type}`); 422 FastAPI validation body; 429 (slowapi, when enabled); 500
 * `{message, trace_id, error_msg}`. Keeps Keep's view: the last alert per fingerprint and how many
 * occurrences each fingerprint received.
 */
export function keepContract(apiKey: string) {
  const lastAlerts = new Map<string, Record<string, unknown>>();
  const occurrences = new Map<string, number>();
  const contract: Contract & { lastAlerts: typeof lastAlerts; occurrences: typeof occurrences } = {
    name: 'keep',
    lastAlerts,
    occurrences,
    problem(request: Received) {
      if (request.headers['x-api-key'] === undefined) return 'Missing API Key';
      if (request.headers['x-api-key'] !== apiKey) return 'Invalid API Key';
      const url = new URL(request.path, 'http://x');
      const provider = /^\/alerts\/event\/([^/]+)$/.exec(url.pathname);
      if (provider) return `Provider ${provider[1]} not found`;
      if (request.method !== 'POST' || url.pathname !== '/alerts/event') return `unknown endpoint ${url.pathname}`;
      if (!String(request.headers['content-type']).startsWith('application/json')) return 'content type';
      if (!Array.isArray(request.json)) return JSON.stringify({ loc: ['body'], msg: 'value is not a valid list' });
      for (const [index, alert] of request.json.entries()) {
        const problem = alertProblem(alert, index);
        if (problem) return JSON.stringify(problem);
      }
      return null;
    },
    accept(request) {
      for (const alert of request.json as Record<string, unknown>[]) {
        const fingerprint = alert.fingerprint as string;
        lastAlerts.set(fingerprint, alert);
        occurrences.set(fingerprint, (occurrences.get(fingerprint) ?? 0) + 1);
      }
      return json(202, { task_name: randomUUID() });
    },
    reject(problem) {
      if (problem.endsWith('API Key')) return json(401, { detail: problem });
      if (problem.startsWith('Provider ')) return json(400, { detail: problem });
      if (problem.startsWith('{')) return json(422, { detail: [{ ...JSON.parse(problem), type: 'value_error' }] });
      return json(422, { detail: [{ loc: ['body'], msg: problem, type: 'value_error' }] });
    },
    throttle: (seconds) =>
      json(429, { error: 'Rate limit exceeded: 100 per 1 minute' }, { 'retry-after': String(seconds) }),
    serverError: (status) =>
      json(status, { message: 'An internal server error occurred.', trace_id: randomUUID(), error_msg: 'boom' }),
  };
  return contract;
}
