import type { TSchema } from 'typebox';
import type { AlertDraft } from '../alert/alert.js';

/** What an adapter knows about the request besides the body. */
export interface NormalizeContext {
  /** Time the gateway received the request; adapters that use "receive time" read it here. */
  now: Date;
  /** `provider_id` query parameter, if given. */
  providerId: string | null;
}

/**
 * Outcome of normalizing one (already schema-checked) payload item: alerts to enqueue, a deliberate
 * skip with its reason (e.g. a PagerDuty non-incident event), or an SNS subscription handshake.
 */
export type NormalizeResult =
  | { kind: 'alerts'; alerts: AlertDraft[] }
  | { kind: 'skip'; reason: string }
  | { kind: 'confirm-subscription'; subscribeUrl: string; topicArn: string };

/** One monitoring system's webhook format. Pure: no I/O, no clock other than ctx.now. */
export interface ProviderAdapter<Payload = unknown> {
  /** Keep's provider type string used in `/alerts/event/{type}`. */
  type: string;
  /** Other accepted path names (e.g. `alertmanager` for prometheus). */
  aliases?: readonly string[];
  /** Human name for docs and the providers listing. */
  displayName: string;
  /** Public documentation of the payload format. */
  docsUrl: string;
  /** Fields the fingerprint is derived from (as Keep lists them). */
  fingerprintFields: readonly string[];
  /** Payload schema; compiled once and checked before `normalize` runs. */
  schema: TSchema;
  normalize(payload: Payload, ctx: NormalizeContext): NormalizeResult;
}
