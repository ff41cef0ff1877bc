/**
 * Zabbix → alert drafts for the flat payload Keep's Zabbix webhook script posts (one parameter per
 * macro, all strings), mapped as Keep's zabbix provider does (keep-compat §5.8). Single.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup, nonEmpty, omit, text, toLabelRecord } from './support.js';

const schema = Type.Object({
  id: Type.String(),
  triggerId: Type.String(),
  name: Type.String(),
  status: Type.String(),
  severity: Type.Union([Type.String(), Type.Number()]),
  lastReceived: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  service: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  update_action: Type.Optional(Type.String()),
});

export type ZabbixPayload = Static<typeof schema>;

/** Keys are the lower-cased {EVENT.SEVERITY} name or {EVENT.NSEVERITY} number. */
const SEVERITY: Readonly<Record<string, Severity>> = {
  '0': 'low',
  'not classified': 'low',
  not_classified: 'low',
  '1': 'info',
  information: 'info',
  '2': 'warning',
  warning: 'warning',
  '3': 'warning',
  average: 'warning',
  '4': 'high',
  high: 'high',
  '5': 'critical',
  disaster: 'critical',
};

/** Keys are the lower-cased {EVENT.STATUS}. */
const STATUS: Readonly<Record<string, Status>> = {
  problem: 'firing',
  ok: 'resolved',
  resolved: 'resolved',
  acknowledged: 'acknowledged',
  suppressed: 'suppressed',
};

/** Unrendered macros Zabbix sends from the media-type "Test" dialog or when a macro is undefined. */
const TEST_DATE = '{DATE} {TIME}';
const UNSET_URL = '{$ZABBIX.URL}';

/** "{DATE} {TIME}" as rendered by Zabbix: yyyy.mm.dd hh:mm:ss (Python strptime also takes 1 digit). */
const ZABBIX_DATE = /^(\d{4})\.(\d{1,2})\.(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/;

/** Payload keys mapped to canonical fields or rebuilt; every other key is kept in extra, as Keep spreads them. */
const CONSUMED = new Set([
  'id',
  'name',
  'message',
  'description',
  'status',
  'severity',
  'lastReceived',
  'service',
  'url',
  'tags',
]);

export const zabbixAdapter: ProviderAdapter<ZabbixPayload> = {
  type: 'zabbix',
  displayName: 'Zabbix',
  docsUrl: 'https://www.zabbix.com/documentation/current/en/manual/appendix/macros/supported_by_location',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: ZabbixPayload, ctx: NormalizeContext): AlertDraft {
  const raw: Record<string, unknown> = payload;
  const extra = omit(raw, CONSUMED);
  const { tags, tagsRaw } = parseTags(raw.tags);
  const environment = tags.environment ?? 'unknown';
  delete tags.environment;
  const hostname = nonEmpty(payload.service) ?? nonEmpty(raw.hostName);
  const lastReceived = zabbixTime(payload.lastReceived, ctx.now);
  Object.assign(extra, { tags, hostname, ip_address: raw.hostIp ?? null, zabbix_url: raw.url ?? null });
  if (tagsRaw !== null) extra.tags_raw = tagsRaw;
  if (lastReceived === null) extra.lastReceived_raw = payload.lastReceived;
  return {
    id: payload.id,
    name: payload.name,
    status: status(payload),
    severity: lookup(SEVERITY, String(payload.severity).trim().toLowerCase()) ?? 'info',
    fingerprint: null,
    lastReceived: lastReceived ?? ctx.now.toISOString(),
    description: payload.description ?? null,
    message: payload.message ?? null,
    source: ['zabbix'],
    service: hostname,
    environment: text(environment) ?? 'unknown',
    url: eventUrl(payload),
    labels: toLabelRecord(tags),
    extra,
  };
}

/** {EVENT.STATUS} mapped, then overridden by the problem-update action as Keep does. */
function status(payload: ZabbixPayload): Status {
  const action = payload.update_action ?? '';
  if (action === 'acknowledged') return 'acknowledged';
  // Keep's substring test: "unsuppressed" also counts as suppressed.
  if (action.includes('suppressed')) return 'suppressed';
  return lookup(STATUS, payload.status.toLowerCase()) ?? 'firing';
}

/**
 * {EVENT.TAGSJSON} (`[{"tag": .., "value": ..}]`, a JSON string) as a dict, later tags winning.
 * Unparsable text gives no tags, as in Keep, and is returned so it can be kept verbatim.
 */
function parseTags(value: unknown): { tags: Record<string, unknown>; tagsRaw: unknown } {
  if (value === undefined) return { tags: {}, tagsRaw: null };
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return { tags: {}, tagsRaw: value };
    }
  }
  if (!Array.isArray(list)) return { tags: {}, tagsRaw: value };
  const tags: Record<string, unknown> = {};
  for (const item of list) {
    if (isRecord(item) && typeof item.tag === 'string') tags[item.tag] = item.value ?? null;
  }
  return { tags, tagsRaw: null };
}

/**
 * "{DATE} {TIME}" in the Zabbix server's zone, which the payload does not carry: read as UTC
 * (Keep reads it in its own local zone, UTC in its containers). The test placeholder or a missing
 * value is receive time; anything else unparsable is null (the caller keeps the raw text).
 */
function zabbixTime(value: string | undefined, now: Date): string | null {
  if (value === undefined || value === TEST_DATE) return now.toISOString();
  const match = ZABBIX_DATE.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const valid =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? date.toISOString() : null;
}

/** Link to the event in the Zabbix frontend, when the base URL macro was rendered. */
function eventUrl(payload: ZabbixPayload): string | null {
  const base = payload.url === UNSET_URL ? null : nonEmpty(payload.url);
  if (!base || !payload.id || !payload.triggerId) return null;
  return `${base}/tr_events.php?triggerid=${payload.triggerId}&eventid=${payload.id}`;
}
