import { type Contract, json, type Received } from './http-receiver.js';

/** PagerDuty Events API v2 (targets.md): POST /v2/enqueue; 202 success; 400 "invalid event"; 429; 5xx. */
export function pagerDutyContract() {
  /** Incidents by dedup_key: open after trigger, resolved after resolve. */
  const incidents = new Map<string, 'triggered' | 'acknowledged' | 'resolved'>();
  const contract: Contract & { incidents: typeof incidents } = {
    name: 'pagerduty',
    incidents,
    problem(request: Received) {
      if (request.method !== 'POST' || request.path !== '/v2/enqueue') return `unknown endpoint ${request.path}`;
      const event = request.json as Record<string, unknown> | undefined;
      if (!event || typeof event !== 'object') return 'body must be a JSON object';
      if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32)
        return 'routing_key must be 32 chars';
      if (!['trigger', 'acknowledge', 'resolve'].includes(String(event.event_action))) return 'invalid event_action';
      if (typeof event.dedup_key === 'string' && event.dedup_key.length > 255) return 'dedup_key too long';
      if (event.event_action !== 'trigger') return typeof event.dedup_key === 'string' ? null : 'dedup_key required';
      const payload = event.payload as Record<string, unknown> | undefined;
      if (!payload) return 'payload required for trigger';
      if (typeof payload.summary !== 'string' || payload.summary.length === 0 || payload.summary.length > 1024)
        return 'payload.summary required (≤ 1024)';
      if (typeof payload.source !== 'string' || payload.source.length === 0) return 'payload.source required';
      if (!['critical', 'error', 'warning', 'info'].includes(String(payload.severity)))
        return 'invalid payload.severity';
      return null;
    },
    accept(request) {
      const event = request.json as { event_action: string; dedup_key?: string };
      const key = event.dedup_key ?? `generated-${incidents.size}`;
      incidents.set(
        key,
        event.event_action === 'resolve'
          ? 'resolved'
          : event.event_action === 'acknowledge'
            ? 'acknowledged'
            : 'triggered',
      );
      return json(202, { status: 'success', message: 'Event processed', dedup_key: key });
    },
    reject: (problem) => json(400, { status: 'invalid event', message: 'Event object is invalid', errors: [problem] }),
    throttle: (seconds) => json(429, { status: 'throttle exceeded' }, { 'retry-after': String(seconds) }),
    serverError: (status) => json(status, { status: 'error', message: 'internal error' }),
  };
  return contract;
}
