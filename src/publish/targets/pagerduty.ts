import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { Alert, Severity } from '../../alert/alert.js';
import { defineAdapter, detail, headline, truncate } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    /** The Events API v2 integration key (32 characters). */
    routingKey: Type.String({ minLength: 32, maxLength: 32 }),
    url: Type.Optional(Type.String({ format: 'uri', default: 'https://events.pagerduty.com/v2/enqueue' })),
    /** `payload.source` when the alert names none. */
    source: Type.Optional(Type.String({ minLength: 1, default: 'alertgate' })),
  },
  { additionalProperties: false },
);
interface PagerDutySettings {
  routingKey: string;
  url?: string;
  source?: string;
}

const SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  warning: 'warning',
  info: 'info',
  low: 'info',
};

/** dedup_key is the fingerprint; PagerDuty caps it at 255 characters, so longer ones are hashed. */
export function pagerDutyDedupKey(fingerprint: string): string {
  return fingerprint.length <= 255 ? fingerprint : createHash('sha256').update(fingerprint).digest('hex');
}

/** One Events API v2 event for an alert: resolve/acknowledge by dedup key, else trigger. */
export function pagerDutyEvent(alert: Alert, settings: PagerDutySettings): Record<string, unknown> {
  const dedupKey = pagerDutyDedupKey(alert.fingerprint);
  if (alert.status === 'resolved' || alert.status === 'acknowledged')
    return {
      routing_key: settings.routingKey,
      event_action: alert.status === 'resolved' ? 'resolve' : 'acknowledge',
      dedup_key: dedupKey,
    };
  return {
    routing_key: settings.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`${headline(alert)}: ${detail(alert)}`, 1024),
      source: alert.source[0] ?? alert.service ?? settings.source ?? 'alertgate',
      severity: SEVERITY[alert.severity],
      timestamp: alert.lastReceived,
      ...(alert.service ? { component: alert.service } : {}),
      ...(alert.environment ? { group: alert.environment } : {}),
      class: alert.providerType,
      custom_details: { tenant: alert.tenant, labels: alert.labels, description: alert.description },
    },
    ...(alert.url ? { links: [{ href: alert.url, text: 'Alert source' }] } : {}),
    client: 'alertgate',
  };
}

/**
 * PagerDuty Events API v2: one event per alert, dedup_key = fingerprint so the same alert updates
 * the same incident and a resolved alert resolves it. Default limit: the documented ~120
 * events/min per integration key.
 */
export const pagerDutyAdapter = defineAdapter<PagerDutySettings, HttpRequest>({
  type: 'pagerduty',
  settingsSchema: Settings,
  secretFields: ['routingKey'],
  defaultRateLimit: { perSecond: 2, burst: 120 },
  perAlert: true,
  format(alerts, settings) {
    const url = settings.url ?? 'https://events.pagerduty.com/v2/enqueue';
    return alerts.map((alert) => ({
      alerts: [alert],
      request: { url, headers: jsonHeaders(), body: JSON.stringify(pagerDutyEvent(alert, settings)) },
    }));
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
