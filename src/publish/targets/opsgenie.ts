import { Type } from 'typebox';
import type { Alert, Severity } from '../../alert/alert.js';
import { defineAdapter, detail, headline, truncate } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    /** API integration key (sent as `Authorization: GenieKey …`). */
    apiKey: Type.String({ minLength: 1 }),
    /** https://api.opsgenie.com, or https://api.eu.opsgenie.com for EU accounts. */
    url: Type.Optional(Type.String({ format: 'uri', default: 'https://api.opsgenie.com' })),
  },
  { additionalProperties: false },
);
interface OpsgenieSettings {
  apiKey: string;
  url?: string;
}

const PRIORITY: Record<Severity, string> = { critical: 'P1', high: 'P2', warning: 'P3', info: 'P4', low: 'P5' };

/** Opsgenie `details` takes string values only. */
function details(alert: Alert): Record<string, string> {
  const out: Record<string, string> = { tenant: alert.tenant, provider: alert.providerType };
  for (const [key, value] of Object.entries(alert.labels)) out[key] = truncate(value, 1000);
  if (alert.url) out.url = alert.url;
  return out;
}

/** The request for one alert: create (alias = fingerprint), or close/acknowledge by alias. */
export function opsgenieRequest(alert: Alert, settings: OpsgenieSettings): HttpRequest {
  const base = (settings.url ?? 'https://api.opsgenie.com').replace(/\/+$/, '');
  const headers = jsonHeaders({ authorization: `GenieKey ${settings.apiKey}` });
  const alias = truncate(alert.fingerprint, 512);
  if (alert.status === 'resolved' || alert.status === 'acknowledged') {
    const action = alert.status === 'resolved' ? 'close' : 'acknowledge';
    return {
      url: `${base}/v2/alerts/${encodeURIComponent(alias)}/${action}?identifierType=alias`,
      headers,
      body: JSON.stringify({ source: 'alertgate', note: `${alert.status} in ${alert.providerType}` }),
    };
  }
  return {
    url: `${base}/v2/alerts`,
    headers,
    body: JSON.stringify({
      message: truncate(headline(alert), 130),
      alias,
      description: truncate(detail(alert), 15_000),
      priority: PRIORITY[alert.severity],
      tags: [alert.providerType, alert.severity, ...(alert.environment ? [alert.environment] : [])],
      details: details(alert),
      ...(alert.service ? { entity: alert.service } : {}),
      source: alert.source[0] ?? 'alertgate',
    }),
  };
}

/**
 * Opsgenie Alert API v2: one request per alert; alias = fingerprint, so repeats raise the open
 * alert's count and a resolved alert closes it. A 202 only means "queued": Opsgenie processes
 * requests asynchronously (docs.opsgenie.com Alert API), so a later failure is not visible here.
 */
export const opsgenieAdapter = defineAdapter<OpsgenieSettings, HttpRequest>({
  type: 'opsgenie',
  settingsSchema: Settings,
  secretFields: ['apiKey'],
  perAlert: true,
  format: (alerts, settings) => alerts.map((alert) => ({ alerts: [alert], request: opsgenieRequest(alert, settings) })),
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
