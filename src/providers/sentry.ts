/**
 * Sentry → alert drafts, for both the legacy webhooks plugin (`{id, level, culprit, event, ...}`)
 * and integration-platform issue alerts (`{action, data: {event, triggered_rule}}`), mapped as
 * Keep's sentry provider does (keep-compat §5.7). Single: one payload is one event.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { clampFingerprint } from '../alert/fingerprint.js';
import { fromEpochSeconds, parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup, nonEmpty, text, toLabelRecord } from './support.js';

const eventSchema = Type.Object({ event_id: Type.String(), title: Type.String() });

const schema = Type.Union([
  Type.Object({ event: eventSchema }),
  Type.Object({ data: Type.Object({ event: eventSchema }) }),
]);

export type SentryPayload = Static<typeof schema>;

/** Keys are the lower-cased top-level `level` (legacy) or the event's `level` tag. */
const SEVERITY: Readonly<Record<string, Severity>> = {
  fatal: 'critical',
  error: 'high',
  warning: 'warning',
  info: 'info',
  debug: 'low',
};

/** Keys are the top-level `action`; issue alerts always send `triggered` (→ firing). */
const STATUS: Readonly<Record<string, Status>> = {
  resolved: 'resolved',
  unresolved: 'firing',
  ignored: 'suppressed',
};

export const sentryAdapter: ProviderAdapter<SentryPayload> = {
  type: 'sentry',
  displayName: 'Sentry',
  docsUrl: 'https://docs.sentry.io/organization/integrations/integration-platform/webhooks/issue-alerts/',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: SentryPayload, ctx: NormalizeContext): AlertDraft {
  const top: Record<string, unknown> = payload;
  const { event, envelope } = split(payload);
  const tags = tagDict(event.tags);
  delete tags.id;
  const environmentTag = tags.environment;
  delete tags.environment;
  const level = typeof top.level === 'string' ? top.level : typeof tags.level === 'string' ? tags.level : '';
  const { tags: _tags, exception: _exception, ...eventRest } = event;
  return {
    id: event.event_id,
    name: stripQuotes(event.title),
    status: lookup(STATUS, top.action) ?? 'firing',
    severity: lookup(SEVERITY, level.toLowerCase()) ?? 'info',
    fingerprint: typeof top.id === 'string' || typeof top.id === 'number' ? clampFingerprint(String(top.id)) : null,
    lastReceived: received(event.received) ?? ctx.now.toISOString(),
    description: typeof top.culprit === 'string' ? top.culprit : '',
    message:
      isRecord(event.metadata) && typeof event.metadata.value === 'string' ? stripQuotes(event.metadata.value) : '',
    source: ['sentry'],
    service: text(tags.server_name),
    environment: nonEmpty(event.environment) ?? nonEmpty(environmentTag) ?? 'unknown',
    url: eventUrl(event, tags),
    labels: toLabelRecord(tags),
    extra: { tags, exceptions: exceptions(event.exception), event: eventRest, sentry: envelope },
  };
}

type SentryEvent = Record<string, unknown> & Static<typeof eventSchema>;

/** The event (legacy `event` first, as Keep) and everything around it (kept as extra `sentry`). */
function split(payload: SentryPayload): { event: SentryEvent; envelope: Record<string, unknown> } {
  if ('event' in payload && isEvent(payload.event)) {
    const { event, ...envelope } = payload;
    return { event, envelope };
  }
  const { data, ...rest } = payload as Extract<SentryPayload, { data: unknown }>;
  const { event, ...dataRest } = data;
  return { event, envelope: { ...rest, data: dataRest } };
}

function isEvent(value: unknown): value is SentryEvent {
  return isRecord(value) && typeof value.event_id === 'string' && typeof value.title === 'string';
}

/** Sentry serializes tags as `[key, value]` pairs; the API's `{key, value}` objects are accepted too. */
function tagDict(tags: unknown): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  if (!Array.isArray(tags)) return dict;
  for (const tag of tags) {
    if (Array.isArray(tag) && typeof tag[0] === 'string') dict[tag[0]] = tag[1];
    else if (isRecord(tag) && typeof tag.key === 'string') dict[tag.key] = tag.value;
  }
  return dict;
}

/**
 * Keep's precedence: web_url, then issue_url, then the `url` tag, then the event's API url; kept
 * only with a scheme and a host.
 */
function eventUrl(event: Record<string, unknown>, tags: Record<string, unknown>): string | null {
  const candidates = [event.web_url, event.issue_url, tags.url, event.url];
  const url = candidates.find((candidate) => candidate !== undefined && candidate !== null);
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol !== '' && parsed.host !== '' ? url : null;
  } catch {
    return null;
  }
}

/** Exception values; Keep marks a value without a stack trace with `stacktrace: false`. */
function exceptions(exception: unknown): unknown[] {
  if (!isRecord(exception) || !Array.isArray(exception.values)) return [];
  return exception.values.map((value) =>
    isRecord(value) && !Object.hasOwn(value, 'stacktrace') ? { ...value, stacktrace: false } : value,
  );
}

/** event.received is epoch seconds (float). */
function received(value: unknown): string | null {
  if (typeof value === 'number') return fromEpochSeconds(value);
  return parseTimestamp(value);
}

/** Keep removes every single and double quote from the title and message. */
function stripQuotes(value: string): string {
  return value.replace(/['"]/g, '');
}
