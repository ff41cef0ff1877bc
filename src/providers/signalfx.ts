/**
 * Splunk Observability Cloud (SignalFx) detector webhooks → alert drafts, mapped as Keep's signalfx
 * provider does (keep-compat §5.12). Single: one notification is one incident state change.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { fieldsFingerprint } from '../alert/fingerprint.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup } from './support.js';

/** Keep's formatter fails without these four; everything else in the default payload is optional. */
const schema = Type.Object({
  severity: Type.String(),
  statusExtended: Type.String(),
  detectorUrl: Type.String(),
  incidentId: Type.String(),
  detectorId: Type.Optional(Type.String()),
  messageTitle: Type.Optional(Type.String()),
  messageBody: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.String()),
  inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  status: Type.Optional(Type.Unknown()),
});

/** A SignalFx detector notification (default webhook payload). */
export type SignalfxPayload = Static<typeof schema>;

/** Keep's FINGERPRINT_FIELDS; incidentId is moved to `id` first, so only detectorId is hashed. */
const FINGERPRINT_FIELDS = ['detectorId', 'incidentId'] as const;

const SEVERITY: Readonly<Record<string, Severity>> = {
  Critical: 'critical',
  Major: 'high',
  Warning: 'warning',
  Info: 'info',
  Minor: 'low',
};

const STATUS: Readonly<Record<string, Status>> = {
  ok: 'resolved',
  anomalous: 'firing',
  'manually resolved': 'resolved',
  stopped: 'resolved',
};

export const signalfxAdapter: ProviderAdapter<SignalfxPayload> = {
  type: 'signalfx',
  displayName: 'Splunk Observability (SignalFx)',
  docsUrl: 'https://docs.splunk.com/observability/en/admin/notif-services/webhook.html',
  fingerprintFields: FINGERPRINT_FIELDS,
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: SignalfxPayload, ctx: NormalizeContext): AlertDraft {
  const {
    severity,
    statusExtended,
    // `status` duplicates statusExtended with less detail; Keep drops it too.
    status: _status,
    messageBody,
    description,
    messageTitle,
    timestamp,
    inputs,
    detectorUrl,
    incidentId,
    ...rest
  } = payload;
  const vendorTime = parseTimestamp(timestamp);
  const extra: Record<string, unknown> = { ...rest, inputs: inputsToList(inputs) };
  // An unparsable vendor time falls back to receive time; keep what was sent.
  if (timestamp !== undefined && vendorTime === null) extra.timestamp = timestamp;
  const name = messageTitle ?? '';
  return {
    id: incidentId,
    name,
    status: lookup(STATUS, statusExtended) ?? 'firing',
    severity: lookup(SEVERITY, severity) ?? 'info',
    // Keep hashes the formatted alert, where incidentId no longer exists (it became `id`).
    fingerprint: fieldsFingerprint({ detectorId: rest.detectorId }, FINGERPRINT_FIELDS, name),
    lastReceived: vendorTime ?? ctx.now.toISOString(),
    description: description ?? null,
    message: messageBody ?? null,
    source: ['signalfx'],
    service: null,
    environment: null,
    url: sanitizeUrl(detectorUrl),
    labels: {},
    extra,
  };
}

/** Keep turns the `inputs` map into a list whose items carry their map key as `id`. */
function inputsToList(inputs: Record<string, unknown> | undefined): unknown[] {
  if (inputs === undefined) return [];
  return Object.entries(inputs).map(([id, value]) => (isRecord(value) ? { ...value, id } : { value, id }));
}

/**
 * Keep's sanitize_url: detector URLs carry an unescaped query after a `#` route
 * (`…/#/detector/X/edit?incidentId=Y&is=manually resolved`); the query is percent-encoded as
 * Python's `quote` does (only `/` and unreserved characters kept), the rest left untouched.
 */
function sanitizeUrl(url: string): string {
  const withoutHash = url.replaceAll('#', '');
  const queryStart = withoutHash.indexOf('?');
  if (queryStart === -1) return url;
  const query = withoutHash.slice(queryStart + 1);
  if (query === '') return url;
  const quoted = pythonQuote(query);
  return quoted === null ? url : url.replaceAll(query, quoted);
}

/** urllib.parse.quote(text) with its default safe="/"; null for text that is not valid UTF-16. */
function pythonQuote(text: string): string | null {
  try {
    return encodeURIComponent(text)
      .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%2F', '/');
  } catch {
    return null;
  }
}
