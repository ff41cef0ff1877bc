import { createHmac } from 'node:crypto';
import { Type } from 'typebox';
import type { Alert } from '../../alert/alert.js';
import { signStandardWebhook } from '../../auth/standard-webhooks.js';
import { defineAdapter } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    /** Standard Webhooks endpoint secret, `whsec_<base64>`; unsigned when absent. */
    secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
interface WebhookSettings {
  url: string;
  secret?: string;
  headers?: Record<string, string>;
}

/** Generic JSON webhook: one `alerts.batch` message per tenant in the batch. */
export const webhookAdapter = defineAdapter<WebhookSettings, HttpRequest>({
  type: 'webhook',
  settingsSchema: Settings,
  secretFields: ['secret', 'headers'],
  perAlert: false,
  format(alerts, settings, context) {
    const byTenant = new Map<string, Alert[]>();
    for (const alert of alerts) {
      const group = byTenant.get(alert.tenant);
      if (group) group.push(alert);
      else byTenant.set(alert.tenant, [alert]);
    }
    const timestamp = Math.floor(context.now.getTime() / 1000);
    return [...byTenant].map(([tenant, group]) => {
      const body = `{"type":"alerts.batch","tenant":${JSON.stringify(tenant)},"alerts":[${group.map(alertJson).join(',')}]}`;
      // Unique per message and the same on every retry of it, so receivers can drop duplicates.
      const id = byTenant.size === 1 ? context.messageId : `${context.messageId}_${tenantSuffix(tenant)}`;
      const headers = jsonHeaders({
        ...settings.headers,
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
      });
      if (settings.secret) headers['webhook-signature'] = signStandardWebhook(settings.secret, id, timestamp, body);
      return { alerts: group, request: { url: settings.url, headers, body } };
    });
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});

/** Each alert is serialized once per process however many webhook targets carry it (fan-out to N targets). */
const serialized = new WeakMap<Alert, string>();
function alertJson(alert: Alert): string {
  let json = serialized.get(alert);
  if (json === undefined) {
    json = JSON.stringify(alert);
    serialized.set(alert, json);
  }
  return json;
}

function tenantSuffix(tenant: string): string {
  return createHmac('sha256', 'tenant').update(tenant).digest('hex').slice(0, 12);
}
