import { Type } from 'typebox';
import type { Alert, Severity, Status } from '../../alert/alert.js';
import { defineAdapter } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    /** Keep's backend (API) base URL; alerts go to `{url}/alerts/event`. */
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    /** A Keep API key with `write:alert` (the `webhook` role is enough), sent as `X-API-KEY`. */
    apiKey: Type.String({ minLength: 1 }),
    /** Alerts per request: Keep takes an array of alerts on `/alerts/event`. */
    maxAlertsPerRequest: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  },
  { additionalProperties: false },
);
interface KeepSettings {
  url: string;
  apiKey: string;
  maxAlertsPerRequest?: number;
}

/** Keep's AlertStatus and AlertSeverity values (keep/api/models/alert.py): the names Alertgate uses. */
const STATUS: Record<Status, string> = {
  firing: 'firing',
  resolved: 'resolved',
  acknowledged: 'acknowledged',
  suppressed: 'suppressed',
  pending: 'pending',
  maintenance: 'maintenance',
};
const SEVERITY: Record<Severity, string> = {
  critical: 'critical',
  high: 'high',
  warning: 'warning',
  info: 'info',
  low: 'low',
};

/**
 * AlertDto's own fields. Vendor extras with these names are not passed on: Keep sets or validates
 * them itself, and one invalid value would make Keep refuse the whole array with 422.
 */
const ALERT_DTO_FIELDS = new Set([
  'id',
  'name',
  'status',
  'severity',
  'lastReceived',
  'firingStartTime',
  'firingStartTimeSinceLastResolved',
  'firingCounter',
  'unresolvedCounter',
  'environment',
  'isFullDuplicate',
  'isPartialDuplicate',
  'duplicateReason',
  'service',
  'source',
  'apiKeyRef',
  'message',
  'description',
  'description_format',
  'pushed',
  'event_id',
  'url',
  'imageUrl',
  'labels',
  'fingerprint',
  'deleted',
  'dismissUntil',
  'dismissed',
  'assignee',
  'assignees',
  'deletedAt',
  'providerId',
  'providerType',
  'note',
  'startedAt',
  'isNoisy',
  'enriched_fields',
  'incident',
]);

/** Keep validates `url` as an http(s) URL; anything else travels as the extra `sourceUrl` instead. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * One AlertDto. `fingerprint` carries Alertgate's fingerprint per alert (not `?fingerprint=`, which
 * would apply to the whole array), so Keep groups occurrences exactly as Alertgate did. `id` is the
 * provider's event id when there is one, as Keep's own formatters set it. Vendor extras are kept,
 * as Keep keeps unknown keys.
 */
export function keepAlert(alert: Alert): Record<string, unknown> {
  const extras = Object.fromEntries(Object.entries(alert.extra).filter(([key]) => !ALERT_DTO_FIELDS.has(key)));
  const url = alert.url && isHttpUrl(alert.url) ? { url: alert.url } : alert.url ? { sourceUrl: alert.url } : {};
  return {
    ...extras,
    id: alert.eventId ?? alert.id,
    name: alert.name,
    status: STATUS[alert.status],
    severity: SEVERITY[alert.severity],
    lastReceived: alert.lastReceived,
    fingerprint: alert.fingerprint,
    source: alert.source,
    labels: alert.labels,
    environment: alert.environment,
    service: alert.service,
    message: alert.message,
    description: alert.description,
    ...url,
    providerType: alert.providerType,
    providerId: alert.providerId,
    alertgateTenant: alert.tenant,
  };
}

/**
 * Keep's generic ingestion, `POST {url}/alerts/event` with an array of AlertDto and `X-API-KEY`.
 * Keep answers 202 `{task_name}` once the alerts are queued in its process. The rate limit counts
 * alerts (default 50/s, below what one Keep backend stores) and storm mode sends only each
 * fingerprint's newest state when more arrive than that (storm.ts).
 */
export const keepAdapter = defineAdapter<KeepSettings, HttpRequest>({
  type: 'keep',
  settingsSchema: Settings,
  secretFields: ['apiKey'],
  defaultRateLimit: { perSecond: 50, burst: 50 },
  perAlert: false,
  limitsAlerts: true,
  stormMode: true,
  format(alerts, settings) {
    const url = `${settings.url.replace(/\/+$/, '')}/alerts/event`;
    const headers = jsonHeaders({ 'x-api-key': settings.apiKey, accept: 'application/json' });
    const size = settings.maxAlertsPerRequest ?? 50;
    const requests = [];
    for (let start = 0; start < alerts.length; start += size) {
      const chunk = alerts.slice(start, start + size);
      requests.push({ alerts: chunk, request: { url, headers, body: JSON.stringify(chunk.map(keepAlert)) } });
    }
    return requests;
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
