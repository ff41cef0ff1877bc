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
  return serializeAlert(alert, ignoreFields).contentHash;
}

/**
 * The alert's JSON and its content hash from one serialization: the gateway's hottest step, so the
 * content is written field by field instead of copied, sorted and stringified twice.
 */
export function serializeAlert(alert: Alert, ignoreFields: readonly string[] = []): SerializedAlert {
  const content = contentJson(alert);
  const hashed = ignoreFields.length > 0 ? (sortedJson(withoutFields(alert, ignoreFields)) ?? '') : content;
  return {
    json: `{"id":${JSON.stringify(alert.id)},"lastReceived":${JSON.stringify(alert.lastReceived)},"receivedAt":${JSON.stringify(alert.receivedAt)},"tenant":${JSON.stringify(alert.tenant)},${content.slice(1)}`,
    contentHash: sha256Hex(hashed),
  };
}

/** The content fields of an alert in sorted key order, nested objects sorted too (the digest's input). */
export function contentJson(alert: Alert): string {
  const text = JSON.stringify;
  return `{"description":${text(alert.description)},"environment":${text(alert.environment)},"eventId":${text(alert.eventId)},"extra":${sortedJson(alert.extra)},"fingerprint":${text(alert.fingerprint)},"labels":${sortedJson(alert.labels)},"message":${text(alert.message)},"name":${text(alert.name)},"providerId":${text(alert.providerId)},"providerType":${text(alert.providerType)},"service":${text(alert.service)},"severity":${text(alert.severity)},"source":${sortedJson(alert.source)},"status":${text(alert.status)},"url":${text(alert.url)}}`;
}

/**
 * JSON with the keys of every object in sorted order; undefined and function members are left out
 * of objects and written as null in arrays, as JSON.stringify does.
 */
export function sortedJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const serializable = value as { toJSON?: () => unknown };
  if (typeof serializable.toJSON === 'function') return sortedJson(serializable.toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => sortedJson(item) ?? 'null').join(',')}]`;
  const record = value as Record<string, unknown>;
  let json = '';
  for (const key of Object.keys(record).sort()) {
    const member = sortedJson(record[key]);
    if (member !== undefined) json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${member}`;
  }
  return `{${json}}`;
}

/** The content without the ignore fields; extra and labels are copied, as paths reach into them. */
function withoutFields(alert: Alert, ignoreFields: readonly string[]): Record<string, unknown> {
  const { id: _id, receivedAt: _receivedAt, lastReceived: _lastReceived, tenant: _tenant, ...content } = alert;
  const copy: Record<string, unknown> = { ...content, extra: { ...content.extra }, labels: { ...content.labels } };
  for (const path of ignoreFields) removePath(copy, path in copy || path.includes('.') ? path : `extra.${path}`);
  return copy;
}

function removePath(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let current: unknown = target;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return;
    current = (current as Record<string, unknown>)[key];
  }
  if (current !== null && typeof current === 'object') delete (current as Record<string, unknown>)[last];
}
