/**
 * Netdata Cloud webhook notifications (alert and reachability) → alert drafts, mapped as Keep's
 * netdata provider does (keep-compat §5.16), plus the webhook challenge answer (§1.6).
 */
import { createHmac } from 'node:crypto';
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { lookup, nonEmpty, omit, scalar } from './support.js';

/** Secret Keep tells users to enter as the webhook's "Challenge secret". */
const CHALLENGE_SECRET = 'keep-netdata-webhook-integration';

/**
 * Keep also indexes `host`, but Netdata sends it only in reachability notifications; alert
 * notifications (message, alert, chart, severity, date, alert_url, …) must not be rejected.
 */
const schema = Type.Object({
  message: Type.String(),
  severity: Type.String(),
  host: Type.Optional(Type.String()),
  status: Type.Optional(Type.Unknown()),
});

/** A Netdata Cloud alert or reachability notification. */
export type NetdataPayload = Static<typeof schema>;

const SEVERITY: Readonly<Record<string, Severity>> = {
  warning: 'warning',
  info: 'info',
  critical: 'critical',
};

/** status.text of reachability notifications; alert notifications carry no status (→ firing). */
const STATUS: Readonly<Record<string, Status>> = {
  reachable: 'resolved',
  unreachable: 'firing',
};

/** Body keys mapped onto canonical fields; `class` is renamed `alert_class` as in Keep. */
const CONSUMED = new Set(['id', 'name', 'message', 'severity', 'status', 'alert_url', 'url', 'date', 'class']);

export const netdataAdapter: ProviderAdapter<NetdataPayload> = {
  type: 'netdata',
  displayName: 'Netdata',
  docsUrl:
    'https://learn.netdata.cloud/docs/alerts-&-notifications/notifications/centralized-cloud-notifications/webhook',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

/**
 * Answer to Netdata's webhook verification GET: HMAC-SHA256 of `token` keyed with the fixed
 * secret, base64, prefixed `sha256=`. (Keep sends this object JSON-encoded twice; the route decides.)
 */
export function netdataChallengeResponse(token: string): { response_token: string } {
  const digest = createHmac('sha256', CHALLENGE_SECRET).update(token, 'utf8').digest('base64');
  return { response_token: `sha256=${digest}` };
}

function toDraft(payload: NetdataPayload, ctx: NormalizeContext): AlertDraft {
  const body: Record<string, unknown> = payload;
  const extra = omit(body, CONSUMED);
  if (body.class !== undefined) extra.alert_class = body.class;
  const vendorTime = parseTimestamp(body.date);
  if (body.date !== undefined && vendorTime === null) extra.date = body.date;

  return {
    id: scalar(body.id),
    // Keep reads only `name`, which Netdata never sends (Keep then fails validation); fall back
    // to the alert name, then the host of a reachability notification, then the message.
    name: scalar(body.name) ?? nonEmpty(body.alert) ?? nonEmpty(payload.host) ?? payload.message,
    status: statusOf(payload.status),
    severity: lookup(SEVERITY, payload.severity) ?? 'info',
    fingerprint: null,
    lastReceived: vendorTime ?? ctx.now.toISOString(),
    description: null,
    message: payload.message,
    source: ['netdata'],
    service: null,
    environment: null,
    url: nonEmpty(body.alert_url) ?? nonEmpty(body.url),
    labels: {},
    extra,
  };
}

function statusOf(status: unknown): Status {
  if (typeof status !== 'object' || status === null) return 'firing';
  return lookup(STATUS, (status as Record<string, unknown>).text) ?? 'firing';
}
