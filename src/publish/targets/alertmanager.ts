import { Type } from 'typebox';
import type { Alert } from '../../alert/alert.js';
import { defineAdapter, detail } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    /** Alertmanager base URL; alerts go to `{url}/api/v2/alerts`. */
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
interface AlertmanagerSettings {
  url: string;
  headers?: Record<string, string>;
}

/** Prometheus label names are [a-zA-Z_][a-zA-Z0-9_]*; anything else is replaced by `_`. */
export function labelName(key: string): string {
  const cleaned = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** One postable alert. Alertmanager identifies alerts by label set; a past endsAt resolves one. */
export function alertmanagerAlert(alert: Alert, now: Date): Record<string, unknown> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(alert.labels)) if (value !== '') labels[labelName(key)] = value;
  Object.assign(labels, {
    alertname: alert.name,
    severity: alert.severity,
    tenant: alert.tenant,
    fingerprint: alert.fingerprint,
  });
  const startsAt = alert.receivedAt;
  // endsAt must not precede startsAt (Alertmanager answers 400), so clamp it.
  const ended = Math.max(Date.parse(alert.lastReceived), Date.parse(startsAt), 0);
  return {
    labels,
    annotations: { summary: alert.name, description: detail(alert) },
    startsAt,
    ...(alert.status === 'resolved' ? { endsAt: new Date(Math.min(ended, now.getTime())).toISOString() } : {}),
    ...(alert.url ? { generatorURL: alert.url } : {}),
  };
}

/** Prometheus Alertmanager API v2: the batch as one array per request. */
export const alertmanagerAdapter = defineAdapter<AlertmanagerSettings, HttpRequest>({
  type: 'alertmanager',
  settingsSchema: Settings,
  secretFields: ['headers'],
  perAlert: false,
  format(alerts, settings, context) {
    const url = `${settings.url.replace(/\/+$/, '')}/api/v2/alerts`;
    const body = JSON.stringify(alerts.map((alert) => alertmanagerAlert(alert, context.now)));
    return [{ alerts, request: { url, headers: jsonHeaders(settings.headers), body } }];
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
