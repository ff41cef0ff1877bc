import stringify from 'safe-stable-stringify';
import type { Alert } from './alert.js';
import { sha256Hex } from './hash.js';

/** An alert serialized once for the ingest log, with the content hash of that serialization. */
export interface SerializedAlert {
  /** The whole alert as JSON: the per-delivery fields, then the content in sorted-key order. */
  json: string;
  contentHash: string;
}

/**
 * SHA-256 over the alert as sorted-key JSON, without the per-delivery fields (id, receivedAt,
 * lastReceived, tenant: Keep hashes some of them, we do not) and without the rule's ignore fields
 * (dot paths; a path that is not a canonical field is looked up under `extra`).
 */
export function contentHash(alert: Alert, ignoreFields: readonly string[] = []): string {
  return sha256Hex(
    ignoreFields.length > 0 ? (stringify(withoutFields(alert, ignoreFields)) ?? '') : contentJson(alert),
  );
}

/**
 * Each alert's JSON and content hash from one serialization: the gateway's hottest step, so the
 * content is written once, and the log entry splices it in instead of stringifying the alert again.
 */
export function serializeAlerts(alerts: readonly Alert[], ignoreFields: readonly string[] = []): SerializedAlert[] {
  return alerts.map((alert) => {
    const content = contentJson(alert);
    return {
      json: `{"id":${JSON.stringify(alert.id)},"lastReceived":${JSON.stringify(alert.lastReceived)},"receivedAt":${JSON.stringify(alert.receivedAt)},"tenant":${JSON.stringify(alert.tenant)},${content.slice(1)}`,
      contentHash: ignoreFields.length > 0 ? contentHash(alert, ignoreFields) : sha256Hex(content),
    };
  });
}

/**
 * The content fields of an alert as sorted-key JSON (the digest's input): the fixed fields written
 * in their sorted order, the provider's objects by safe-stable-stringify, which sorts at every level.
 */
export function contentJson(alert: Alert): string {
  const text = JSON.stringify;
  return `{"description":${text(alert.description)},"environment":${text(alert.environment)},"eventId":${text(alert.eventId)},"extra":${stringify(alert.extra)},"fingerprint":${text(alert.fingerprint)},"labels":${stringify(alert.labels)},"message":${text(alert.message)},"name":${text(alert.name)},"providerId":${text(alert.providerId)},"providerType":${text(alert.providerType)},"service":${text(alert.service)},"severity":${text(alert.severity)},"source":${stringify(alert.source)},"status":${text(alert.status)},"url":${text(alert.url)}}`;
}

/** The alert's content without the ignore fields; copies along each path, never changing the alert. */
function withoutFields(alert: Alert, ignoreFields: readonly string[]): Record<string, unknown> {
  const { id: _id, receivedAt: _receivedAt, lastReceived: _lastReceived, tenant: _tenant, ...content } = alert;
  let result: Record<string, unknown> = content;
  for (const path of ignoreFields) {
    result = withoutPath(result, (path in content || path.includes('.') ? path : `extra.${path}`).split('.'));
  }
  return result;
}

function withoutPath(target: Record<string, unknown>, [key, ...rest]: string[]): Record<string, unknown> {
  if (key === undefined || !Object.hasOwn(target, key)) return target;
  const inner = target[key];
  if (rest.length > 0 && (inner === null || typeof inner !== 'object')) return target;
  const copy = (Array.isArray(target) ? [...target] : { ...target }) as Record<string, unknown>;
  if (rest.length === 0) delete copy[key];
  else copy[key] = withoutPath(inner as Record<string, unknown>, rest);
  return copy;
}
