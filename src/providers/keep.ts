/**
 * Keep's native format (`POST /alerts/event` and `/alerts/event/keep`, keep-compat §1.3, §2, §5.17):
 * one AlertDto-shaped object per item (the gateway splits top-level arrays). Keep also accepts
 * any other JSON object here, so nothing is required; fields that are present must have the
 * types AlertDto would accept, because Keep would fail such an alert after answering 202.
 */
import { type Static, Type } from 'typebox';
import { type AlertDraft, toSeverity, toStatus } from '../alert/alert.js';
import { clampFingerprint } from '../alert/fingerprint.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeResult, ProviderAdapter } from './adapter.js';
import { CANONICAL_FIELDS, omit, toLabelRecord } from './support.js';

const optionalText = Type.Optional(Type.Union([Type.String(), Type.Null()]));
/** pydantic v1 coerces numbers into `str` fields. */
const optionalId = Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()]));

const schema = Type.Object({
  id: optionalId,
  name: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  lastReceived: optionalText,
  environment: optionalText,
  service: optionalText,
  message: optionalText,
  description: optionalText,
  description_format: Type.Optional(Type.Union([Type.Literal('markdown'), Type.Literal('html'), Type.Null()])),
  url: optionalText,
  source: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  labels: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  fingerprint: optionalId,
});

export type KeepPayload = Static<typeof schema>;

const UNNAMED = 'unknown alert name';

/** Fields Keep's pipeline computes (and overwrites) itself; a client's values are not vendor data. */
const PIPELINE_OWNED = new Set([
  'event_id',
  'apiKeyRef',
  'providerId',
  'providerType',
  'pushed',
  'startedAt',
  'firingStartTime',
  'firingStartTimeSinceLastResolved',
  'firingCounter',
  'unresolvedCounter',
  'isFullDuplicate',
  'isPartialDuplicate',
  'duplicateReason',
  'enriched_fields',
]);

/** Keys never copied into extra: every draft field has a canonical home, and the pipeline-owned ones. */
const NOT_EXTRA: ReadonlySet<string> = new Set([...CANONICAL_FIELDS, ...PIPELINE_OWNED]);

export const keepAdapter: ProviderAdapter<KeepPayload> = {
  type: 'keep',
  displayName: 'Keep (native AlertDto)',
  docsUrl: 'https://docs.keephq.dev/api-ref/alerts/receive-generic-event',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    const raw: Record<string, unknown> = payload;
    const id = nonBlank(payload.id);
    const extra = omit(raw, NOT_EXTRA);
    const draft: AlertDraft = {
      id,
      // Keep validates an object without `name` as a plain dict and names it after its id.
      name: payload.name === undefined ? (id ?? UNNAMED) : String(payload.name),
      status: toStatus(raw.status),
      severity: toSeverity(raw.severity),
      fingerprint: supplied(payload.fingerprint),
      lastReceived: parseTimestamp(payload.lastReceived) ?? ctx.now.toISOString(),
      description: payload.description ?? null,
      message: payload.message ?? null,
      source: payload.source && payload.source.length > 0 ? payload.source : ['keep'],
      service: payload.service ?? null,
      environment: payload.environment ?? null,
      url: nonBlank(payload.url),
      labels: toLabelRecord(payload.labels ?? {}),
      extra,
    };
    return { kind: 'alerts', alerts: [draft] };
  },
};

/** A supplied fingerprint is kept (capped at 255 characters, as Keep does); none means "default rule". */
function supplied(fingerprint: string | number | null | undefined): string | null {
  const value = nonBlank(fingerprint);
  return value === null ? null : clampFingerprint(value);
}

/**
 * A string or number as text, null when absent or blank (whitespace only). Unlike the shared
 * `nonEmpty`, numbers count (pydantic coerces them into `str` fields) and blank text is empty.
 */
function nonBlank(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.trim() === '' ? null : text;
}
