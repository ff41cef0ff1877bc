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
  return (serializeAlerts([alert], ignoreFields)[0] as SerializedAlert).contentHash;
}

/**
 * Each alert's JSON and content hash from one serialization: the gateway's hottest step, so the
 * content is written field by field instead of copied, sorted and stringified twice, and an object
 * the alerts of one request share (an Alertmanager group rides in each alert's extra) is written once.
 */
export function serializeAlerts(alerts: readonly Alert[], ignoreFields: readonly string[] = []): SerializedAlert[] {
  const written: Written = new Map();
  return alerts.map((alert) => {
    const content = contentJson(alert, written);
    const hashed = ignoreFields.length > 0 ? sortedJson(withoutFields(alert, ignoreFields), written) : content;
    return {
      json: `{"id":${JSON.stringify(alert.id)},"lastReceived":${JSON.stringify(alert.lastReceived)},"receivedAt":${JSON.stringify(alert.receivedAt)},"tenant":${JSON.stringify(alert.tenant)},${content.slice(1)}`,
      contentHash: sha256Hex(hashed),
    };
  });
}

/** The sorted JSON of objects already written in this serialization, by identity. */
type Written = Map<object, string>;

/** The content fields of an alert in sorted key order, nested objects sorted too (the digest's input). */
export function contentJson(alert: Alert, written: Written = new Map()): string {
  const text = JSON.stringify;
  return `{"description":${text(alert.description)},"environment":${text(alert.environment)},"eventId":${text(alert.eventId)},"extra":${sortedJson(alert.extra, written)},"fingerprint":${text(alert.fingerprint)},"labels":${sortedJson(alert.labels, written)},"message":${text(alert.message)},"name":${text(alert.name)},"providerId":${text(alert.providerId)},"providerType":${text(alert.providerType)},"service":${text(alert.service)},"severity":${text(alert.severity)},"source":${sortedJson(alert.source, written)},"status":${text(alert.status)},"url":${text(alert.url)}}`;
}

/**
 * JSON with the keys of every object in sorted order; undefined and function members are left out
 * of objects and written as null in arrays, as JSON.stringify does. Objects and arrays always give
 * a string; only a top-level undefined or function gives undefined.
 */
export function sortedJson(value: object, written?: Written): string;
export function sortedJson(value: unknown, written?: Written): string | undefined;
export function sortedJson(value: unknown, written: Written = new Map()): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const known = written.get(value);
  if (known !== undefined) return known;
  let json: string;
  const serializable = value as { toJSON?: () => unknown };
  if (typeof serializable.toJSON === 'function') json = sortedJson(serializable.toJSON(), written) ?? 'null';
  // Array.from visits holes too (as undefined, so null), where map would skip them.
  else if (Array.isArray(value))
    json = `[${Array.from(value, (item) => sortedJson(item, written) ?? 'null').join(',')}]`;
  else {
    const record = value as Record<string, unknown>;
    let members = '';
    for (const key of Object.keys(record).sort()) {
      const member = sortedJson(record[key], written);
      if (member !== undefined) members += `${members === '' ? '' : ','}${JSON.stringify(key)}:${member}`;
    }
    json = `{${members}}`;
  }
  written.set(value, json);
  return json;
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
