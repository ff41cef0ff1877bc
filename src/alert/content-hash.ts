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
  return sha256Hex(ignoreFields.length > 0 ? sortedJson(withoutFields(alert, ignoreFields)) : contentJson(alert));
}

/**
 * Each alert's JSON and content hash from one serialization: the gateway's hottest step, so the
 * content is written field by field instead of copied, sorted and stringified twice, and an object
 * the alerts of one request share in their extra (an Alertmanager group rides in each) is written once.
 */
export function serializeAlerts(alerts: readonly Alert[], ignoreFields: readonly string[] = []): SerializedAlert[] {
  const shared: Written = new Map();
  return alerts.map((alert) => {
    const content = contentJson(alert, shared);
    return {
      json: `{"id":${JSON.stringify(alert.id)},"lastReceived":${JSON.stringify(alert.lastReceived)},"receivedAt":${JSON.stringify(alert.receivedAt)},"tenant":${JSON.stringify(alert.tenant)},${content.slice(1)}`,
      contentHash: ignoreFields.length > 0 ? contentHash(alert, ignoreFields) : sha256Hex(content),
    };
  });
}

/** Sorted JSON of objects already written, by identity. */
type Written = Map<object, string>;

/**
 * The content fields of an alert in sorted key order, nested objects sorted too (the digest's
 * input). `shared` remembers the JSON of the objects directly inside extra across calls.
 */
export function contentJson(alert: Alert, shared?: Written): string {
  const text = JSON.stringify;
  return `{"description":${text(alert.description)},"environment":${text(alert.environment)},"eventId":${text(alert.eventId)},"extra":${sortedJson(alert.extra, shared)},"fingerprint":${text(alert.fingerprint)},"labels":${sortedJson(alert.labels)},"message":${text(alert.message)},"name":${text(alert.name)},"providerId":${text(alert.providerId)},"providerType":${text(alert.providerType)},"service":${text(alert.service)},"severity":${text(alert.severity)},"source":${sortedJson(alert.source)},"status":${text(alert.status)},"url":${text(alert.url)}}`;
}

/**
 * JSON with the keys of every object in sorted order, as JSON.stringify would write it otherwise:
 * undefined and function members are left out of objects and written as null in arrays (holes
 * too). Objects and arrays always give a string. `members` remembers the JSON of the object
 * members of `value` (one level down) by identity.
 */
export function sortedJson(value: object, members?: Written): string;
export function sortedJson(value: unknown, members?: Written): string | undefined;
export function sortedJson(value: unknown, members?: Written): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value);
  }
  const serializable = value as { toJSON?: () => unknown };
  if (typeof serializable.toJSON === 'function') return sortedJson(serializable.toJSON()) ?? 'null';
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) json += `${i === 0 ? '' : ','}${sortedJson(value[i]) ?? 'null'}`;
    return `${json}]`;
  }
  const record = value as Record<string, unknown>;
  let json = '';
  for (const key of sortedKeys(record)) {
    const member = record[key];
    const written =
      members && typeof member === 'object' && member !== null ? remembered(members, member) : sortedJson(member);
    if (written !== undefined) json += `${json === '' ? '' : ','}${quote(key)}:${written}`;
  }
  return `{${json}}`;
}

function remembered(written: Written, value: object): string {
  let json = written.get(value);
  if (json === undefined) {
    json = sortedJson(value);
    written.set(value, json);
  }
  return json;
}

/** Keys in code-unit order; insertion sort, as objects here hold a handful of keys. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON must escape.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A string as JSON: most need no escaping, so the native call is kept for those that do. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
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
