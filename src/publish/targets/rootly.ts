import { Type } from 'typebox';
import type { Alert } from '../../alert/alert.js';
import { defineAdapter, detail, headline, truncate } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    token: Type.String({ minLength: 1 }),
    url: Type.Optional(Type.String({ format: 'uri', default: 'https://api.rootly.com' })),
    /** Rootly service ids the alerts are attached to. */
    services: Type.Optional(Type.Array(Type.String())),
    environments: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
interface RootlySettings {
  token: string;
  url?: string;
  services?: string[];
  environments?: string[];
}

/** The JSON:API document for one alert; external_id = fingerprint ties updates to one Rootly alert. */
export function rootlyDocument(alert: Alert, settings: RootlySettings): Record<string, unknown> {
  const resolved = alert.status === 'resolved';
  return {
    data: {
      type: 'alerts',
      attributes: {
        summary: truncate(headline(alert), 255),
        description: detail(alert),
        source: 'api',
        status: resolved ? 'resolved' : 'triggered',
        started_at: alert.receivedAt,
        ...(resolved ? { ended_at: alert.lastReceived } : {}),
        external_id: alert.fingerprint,
        ...(alert.url ? { external_url: alert.url } : {}),
        labels: Object.entries({ ...alert.labels, tenant: alert.tenant, severity: alert.severity }).map(
          ([key, value]) => ({ key, value }),
        ),
        ...(settings.services ? { service_ids: settings.services } : {}),
        ...(settings.environments ? { environment_ids: settings.environments } : {}),
      },
    },
  };
}

/**
 * Rootly alerts API: one JSON:API document per alert. Rootly's resolve endpoint needs Rootly's own
 * alert id, which Alertgate does not keep, so a resolution is posted as the same external_id with
 * status resolved and ended_at (Rootly coalesces alerts by that key).
 */
export const rootlyAdapter = defineAdapter<RootlySettings, HttpRequest>({
  type: 'rootly',
  settingsSchema: Settings,
  secretFields: ['token'],
  perAlert: true,
  format(alerts, settings) {
    const url = `${(settings.url ?? 'https://api.rootly.com').replace(/\/+$/, '')}/v1/alerts`;
    const headers = jsonHeaders({ authorization: `Bearer ${settings.token}` }, 'application/vnd.api+json');
    return alerts.map((alert) => ({
      alerts: [alert],
      request: { url, headers, body: JSON.stringify(rootlyDocument(alert, settings)) },
    }));
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
