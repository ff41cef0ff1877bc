/**
 * Google Cloud Monitoring webhook notification channel (incident schema 1.x) → alert drafts, mapped
 * as Keep's gcpmonitoring provider does (keep-compat §5.10). Single: one payload is one incident.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { fieldsFingerprint } from '../alert/fingerprint.js';
import { fromEpochSeconds } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { get, isRecord, lookup, omit, text, toLabelRecord } from './support.js';

const schema = Type.Object({
  version: Type.Optional(Type.String()),
  incident: Type.Object({ incident_id: Type.String() }),
});

export type GcpmonitoringPayload = Static<typeof schema>;

const FINGERPRINT_FIELDS = ['incident_id'] as const;

/** Keys are the upper-cased incident state. */
const STATUS: Readonly<Record<string, Status>> = { OPEN: 'firing', CLOSED: 'resolved' };

/** Keys are upper-cased incident.severity; policy_user_labels.severity is looked up as sent (Keep). */
const SEVERITY: Readonly<Record<string, Severity>> = { CRITICAL: 'critical', ERROR: 'high', WARNING: 'warning' };

/** Keep's fallback name, typo included, so default fingerprints and searches match. */
const NO_SUBJECT = 'GCPMontirong Alert (No subject)';

/** Keep's name when `documentation` is not an object (the console's test notification). */
const TEST_NOTIFICATION = 'Test notification';

/** Incident keys moved to canonical fields; the rest of the incident is kept as extra `gcp`. */
const CONSUMED = new Set(['summary', 'state', 'url', 'documentation', 'severity']);

export const gcpmonitoringAdapter: ProviderAdapter<GcpmonitoringPayload> = {
  type: 'gcpmonitoring',
  displayName: 'GCP Cloud Monitoring',
  docsUrl: 'https://cloud.google.com/monitoring/support/notification-options#webhooks',
  fingerprintFields: FINGERPRINT_FIELDS,
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: GcpmonitoringPayload, ctx: NormalizeContext): AlertDraft {
  const { incident: _incident, ...envelope } = payload;
  const incident: Record<string, unknown> = payload.incident;
  const incidentId = payload.incident.incident_id;
  const summary = get(incident, 'summary', '');
  const documentation = get(incident, 'documentation', {});
  const labels = isRecord(incident.policy_user_labels) ? incident.policy_user_labels : {};
  const extra: Record<string, unknown> = {
    ...envelope,
    incident_id: incidentId,
    gcp: omit(incident, CONSUMED),
    content: isRecord(documentation) ? get(documentation, 'content', '') : null,
  };
  // Keep drops the documentation object after reading subject/content; we keep it (mime_type, links).
  if (Object.hasOwn(incident, 'documentation')) extra.documentation = documentation;
  if (Object.hasOwn(labels, 'application')) extra.application = labels.application;
  return {
    id: incidentId,
    name: incidentName(documentation, summary),
    status: lookup(STATUS, upper(incident.state)) ?? 'firing',
    severity: severity(incident, labels),
    fingerprint: fieldsFingerprint({ incident_id: incidentId }, FINGERPRINT_FIELDS, incidentId),
    lastReceived: startedAt(incident.started_at) ?? ctx.now.toISOString(),
    description: text(summary),
    message: null,
    source: ['gcpmonitoring'],
    service: Object.hasOwn(labels, 'service') ? text(labels.service) : null,
    environment: null,
    url: typeof incident.url === 'string' && incident.url !== '' ? incident.url : null,
    labels: toLabelRecord(labels),
    extra,
  };
}

/**
 * documentation.subject when the key exists (empty → fallback), else the summary, else the
 * fallback; a non-object documentation is the console's test notification.
 */
function incidentName(documentation: unknown, summary: unknown): string {
  if (!isRecord(documentation)) return TEST_NOTIFICATION;
  const subject = get(documentation, 'subject', summary);
  return typeof subject === 'string' && subject !== '' ? subject : NO_SUBJECT;
}

/** incident.severity (upper-cased) when the key exists, else policy_user_labels.severity as sent. */
function severity(incident: Record<string, unknown>, labels: Record<string, unknown>): Severity {
  if (Object.hasOwn(incident, 'severity')) return lookup(SEVERITY, upper(incident.severity)) ?? 'info';
  return lookup(SEVERITY, labels.severity) ?? 'info';
}

/** started_at is epoch seconds; 0 or missing (test notifications) means receive time. */
function startedAt(value: unknown): string | null {
  return typeof value === 'number' && value !== 0 ? fromEpochSeconds(value) : null;
}

function upper(value: unknown): string | null {
  return typeof value === 'string' ? value.toUpperCase() : null;
}
