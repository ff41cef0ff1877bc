import { sha256Hex } from './hash.js';
import { pythonJsonDumps } from './python-json.js';

/** Keep's default fingerprint: sha256 of the alert name. */
export function defaultFingerprint(name: string): string {
  return sha256Hex(name);
}

/** Reads a dot-path ("labels.host") out of a plain object. */
export function readPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Keep's field-based fingerprint (get_alert_fingerprint): values of the given dot-paths
 * concatenated — objects and arrays as Python-style JSON, null/missing skipped — then one sha256.
 * An empty field list yields `fallback` unhashed, as Keep does with the alert name.
 */
export function fieldsFingerprint(source: unknown, fields: readonly string[], fallback: string): string {
  if (fields.length === 0) return fallback;
  let joined = '';
  for (const field of fields) {
    const value = readPath(source, field);
    if (value === undefined || value === null) continue;
    joined += typeof value === 'object' ? pythonJsonDumps(value) : String(value);
  }
  return sha256Hex(joined);
}

/**
 * Fingerprints are capped at 255 characters, as in Keep. Python counts code points, and cutting
 * UTF-16 units could split a surrogate pair into text PostgreSQL cannot store.
 */
export function clampFingerprint(fingerprint: string): string {
  return fingerprint.length > 255 ? Array.from(fingerprint).slice(0, 255).join('') : fingerprint;
}
