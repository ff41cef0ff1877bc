import { type Contract, type Received, text } from './http-receiver.js';

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Alertmanager API v2 (targets.md): POST /api/v2/alerts, array; 200 empty; 400 with an error string. */
export function alertmanagerContract() {
  const contract: Contract = {
    name: 'alertmanager',
    problem(request: Received) {
      if (request.path !== '/api/v2/alerts') return `unknown endpoint ${request.path}`;
      if (!Array.isArray(request.json)) return 'body must be an array of alerts';
      for (const alert of request.json as { labels?: Record<string, string>; startsAt?: string; endsAt?: string }[]) {
        const labels = Object.entries(alert.labels ?? {});
        if (labels.length === 0) return 'at least one label pair required';
        for (const [name] of labels) if (!LABEL.test(name)) return `invalid label set: invalid name "${name}"`;
        if (alert.startsAt && alert.endsAt && Date.parse(alert.endsAt) < Date.parse(alert.startsAt))
          return 'start time must be before end time';
      }
      return null;
    },
    accept: () => ({ status: 200, body: '' }),
    reject: (problem) => text(400, `{"code":400,"message":"${problem}"}`),
    throttle: (seconds) => text(429, 'too many requests', { 'retry-after': String(seconds) }),
    serverError: (status) => text(status, 'internal error'),
  };
  return contract;
}
