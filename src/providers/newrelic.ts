/**
 * New Relic workflow webhook → alert drafts, for the payload template Keep installs (and New
 * Relic's default template, which names the same fields title/priority/state), mapped as Keep's
 * newrelic provider does (keep-compat §5.9). Single: one payload is one issue update.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { fromEpochMillis, parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { lookup } from './support.js';

/** Issue id, update time (epoch ms) and a title under `name` (Keep template) or `title` (default). */
const schema = Type.Object(
  {
    id: Type.String(),
    updatedAt: Type.Number(),
    name: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    lastReceived: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Null()])),
  },
  { anyOf: [{ required: ['name'] }, { required: ['title'] }] },
);

export type NewrelicPayload = Static<typeof schema>;

/** Keys are lower-cased status/state; issue states CREATED and ACTIVATED fall back to firing. */
const STATUS: Readonly<Record<string, Status>> = {
  open: 'firing',
  closed: 'resolved',
  acknowledged: 'acknowledged',
};

/** Keys are lower-cased severity/priority; issue priorities HIGH, MEDIUM and LOW fall back to info. */
const SEVERITY: Readonly<Record<string, Severity>> = { critical: 'critical', warning: 'warning', info: 'info' };

/** Canonical text fields Keep fills straight from same-named payload keys (it spreads the payload). */
const TEXT_FIELDS = ['description', 'message', 'service', 'environment', 'url'] as const;

export const newrelicAdapter: ProviderAdapter<NewrelicPayload> = {
  type: 'newrelic',
  displayName: 'New Relic',
  docsUrl: 'https://docs.newrelic.com/docs/alerts/get-notified/custom-variables-alert-event-workflows/',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: NewrelicPayload, ctx: NormalizeContext): AlertDraft {
  const rest: Record<string, unknown> = { ...payload };
  const status = takeFirst(rest, 'status', 'state');
  const severity = takeFirst(rest, 'severity', 'priority');
  const name = take(rest, 'name');
  const lastReceived = take(rest, 'lastReceived');
  delete rest.id;
  const extra: Record<string, unknown> = {};
  // Keep moves the template's `source` aside: it would clash with AlertDto.source.
  if (Object.hasOwn(rest, 'source')) extra.newrelic_source = take(rest, 'source');
  const text: Partial<Record<(typeof TEXT_FIELDS)[number], string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = rest[field];
    if (typeof value === 'string') {
      text[field] = value;
      delete rest[field];
    }
  }
  return {
    id: payload.id,
    name: typeof name === 'string' && name !== '' ? name : (payload.title ?? ''),
    status: lookup(STATUS, lowerCase(status)) ?? 'firing',
    severity: lookup(SEVERITY, lowerCase(severity)) ?? 'info',
    fingerprint: null,
    lastReceived: received(lastReceived, payload.updatedAt) ?? ctx.now.toISOString(),
    description: text.description ?? null,
    message: text.message ?? null,
    source: ['newrelic'],
    service: text.service ?? null,
    environment: text.environment ?? null,
    url: text.url ?? null,
    labels: {},
    extra: { ...rest, ...extra },
  };
}

/**
 * lastReceived (epoch ms) when truthy, else updatedAt (epoch ms); a string lastReceived is parsed
 * as ISO or epoch seconds, as Keep's AlertDto would.
 */
function received(lastReceived: unknown, updatedAt: number): string | null {
  if (typeof lastReceived === 'number' && lastReceived !== 0) return fromEpochMillis(lastReceived);
  if (typeof lastReceived === 'string' && lastReceived !== '') {
    return parseTimestamp(lastReceived) ?? fromEpochMillis(updatedAt);
  }
  return fromEpochMillis(updatedAt);
}

/** Python's `event.pop(a, "") or event.pop(b, "")`: b is only consumed when a is falsy. */
function takeFirst(source: Record<string, unknown>, first: string, second: string): unknown {
  const value = take(source, first);
  return value ? value : take(source, second);
}

function take(source: Record<string, unknown>, key: string): unknown {
  const value = source[key];
  delete source[key];
  return value;
}

/** STATUS and SEVERITY keys are lower-case: a string is matched case-insensitively, anything else as is. */
function lowerCase(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}
