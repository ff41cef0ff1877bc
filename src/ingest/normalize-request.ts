import type { Alert, AlertDraft } from '../alert/alert.js';
import type { DedupRule } from '../alert/dedup-rules.js';
import { clampFingerprint, defaultFingerprint, fieldsFingerprint } from '../alert/fingerprint.js';
import { alertId } from '../alert/identity.js';
import { type Rejection, rejection } from '../alert/rejection.js';
import type { RegisteredProvider } from '../providers/registry.js';

export interface IngestContext {
  tenant: string;
  requestId: string;
  now: Date;
  providerId: string | null;
  /** `?fingerprint=` overrides every alert's fingerprint, as in Keep. */
  fingerprintOverride: string | null;
  rule: DedupRule;
  maxAlerts: number;
  timeWindow: TimeWindow;
}

/** How far an alert's own timestamp may lie from the receive time, in milliseconds either way. */
export interface TimeWindow {
  maxPastMs: number;
  maxFutureMs: number;
}

export type NormalizedRequest =
  | { kind: 'alerts'; alerts: Alert[]; skipped: string[] }
  | { kind: 'confirm-subscription'; subscribeUrl: string; topicArn: string };

/**
 * Validates a parsed body against the provider's compiled schema and maps it to canonical alerts.
 * A top-level array is a list of payloads. Any invalid item rejects the whole request (naming the
 * path), so nothing is half-accepted.
 */
export function normalizeRequest(
  provider: RegisteredProvider,
  body: unknown,
  ctx: IngestContext,
): NormalizedRequest | Rejection {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return rejection('invalid_payload', 'the request carries an empty array: no alerts');
  const drafts: AlertDraft[] = [];
  const skipped: string[] = [];
  for (const [index, item] of items.entries()) {
    const prefix = Array.isArray(body) ? `/${index}` : '';
    const problem = provider.firstError(item);
    if (problem) {
      const path = `${prefix}${problem.path}` || '/';
      return rejection('invalid_payload', `${provider.adapter.type} payload ${path}: ${problem.message}`, {
        path,
        details: { provider: provider.adapter.type, docs: provider.adapter.docsUrl },
      });
    }
    const result = provider.adapter.normalize(item, { now: ctx.now, providerId: ctx.providerId });
    if (result.kind === 'confirm-subscription') {
      if (items.length > 1) return rejection('invalid_payload', 'a subscription confirmation cannot be batched');
      return result;
    }
    if (result.kind === 'skip') skipped.push(result.reason);
    else {
      for (const draft of result.alerts) {
        const outside = timestampOutsideWindow(draft, prefix || '/', provider.adapter.type, ctx);
        if (outside) return outside;
      }
      drafts.push(...result.alerts);
    }
    if (drafts.length > ctx.maxAlerts) {
      return rejection('payload_too_large', `the request carries more than ${ctx.maxAlerts} alerts`, {
        details: { maxAlerts: ctx.maxAlerts },
      });
    }
  }
  const receivedAt = ctx.now.toISOString();
  const alerts = drafts.map((draft, index) => toAlert(draft, index, provider.adapter.type, receivedAt, ctx));
  return { kind: 'alerts', alerts, skipped };
}

/**
 * Refuses an alert timestamp outside the window around the receive time: such a value is a broken
 * clock or a placeholder (the epoch), and one past year 9999 could not even be stored.
 */
function timestampOutsideWindow(
  draft: AlertDraft,
  path: string,
  providerType: string,
  ctx: IngestContext,
): Rejection | null {
  const at = Date.parse(draft.lastReceived);
  const now = ctx.now.getTime();
  const earliest = now - ctx.timeWindow.maxPastMs;
  const latest = now + ctx.timeWindow.maxFutureMs;
  if (at >= earliest && at <= latest) return null;
  return rejection(
    'invalid_payload',
    `${providerType} payload ${path}: alert time ${draft.lastReceived} is outside the accepted window ${new Date(earliest).toISOString()} .. ${new Date(latest).toISOString()}`,
    { path, details: { provider: providerType, lastReceived: draft.lastReceived } },
  );
}

function toAlert(
  draft: AlertDraft,
  index: number,
  providerType: string,
  receivedAt: string,
  ctx: IngestContext,
): Alert {
  const fieldsRule = ctx.rule.fingerprintFields;
  const chosen =
    ctx.fingerprintOverride ??
    (fieldsRule.length > 0 ? fieldsFingerprint({ ...draft.extra, ...draft }, fieldsRule, draft.name) : null) ??
    draft.fingerprint ??
    defaultFingerprint(draft.name);
  // Every field spelled out: one object of a fixed shape, where a rest-and-spread copy cost more
  // than the rest of the mapping.
  return {
    id: alertId(ctx.tenant, ctx.requestId, index, receivedAt),
    eventId: draft.id,
    name: draft.name,
    status: draft.status,
    severity: draft.severity,
    fingerprint: clampFingerprint(chosen),
    lastReceived: draft.lastReceived,
    description: draft.description,
    message: draft.message,
    source: draft.source,
    service: draft.service,
    environment: draft.environment,
    url: draft.url,
    labels: draft.labels,
    extra: draft.extra,
    tenant: ctx.tenant,
    providerType,
    providerId: ctx.providerId,
    receivedAt,
  };
}
