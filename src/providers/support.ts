/**
 * Small pure helpers shared by the provider adapters: type guards, Python-style dict access, table
 * lookups, and the value → text / label conversions Keep's providers apply. Where adapters need
 * different conversions (which values are dropped, whether scalars are JSON) there are separate,
 * named functions rather than one with a hidden mode.
 */
import type { AlertDraft } from '../alert/alert.js';

/** True for a JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's dict.get: the stored value (even null) when the key exists, else the fallback. */
export function get(source: Record<string, unknown>, key: string, fallback: unknown): unknown {
  return Object.hasOwn(source, key) ? source[key] : fallback;
}

/** The table's entry for a string key it owns; undefined otherwise (callers add `?? fallback`). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A copy of `source` without the given keys, other keys in their original order. */
export function omit(source: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (!keys.has(key)) defineOwn(rest, key, source[key]);
  return rest;
}

/**
 * Sets an own property as JSON.parse does, where an assignment to `__proto__` would replace the
 * prototype instead. Copying key by key this way is several times cheaper than Object.fromEntries.
 */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The value when it is a non-empty string; null for '' and for anything that is not a string. */
export function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A non-empty string, or a finite number as text; null for anything else. */
export function scalar(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : nonEmpty(value);
}

/** Any value as text: strings verbatim (even ''), everything else as JSON; null/undefined → null. */
export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The JSON object inside a string; null when the value is not a string, not JSON, or not an object. */
export function parseObject(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** One label value: objects and arrays as JSON, other scalars via String; null/undefined → null (no label). */
export function labelValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Labels as strings via {@link labelValue}: objects and arrays as JSON, scalars via String, null/undefined dropped. */
export function toLabelRecord(source: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(source)) {
    const label = labelValue(source[key]);
    if (label !== null) labels[key] = label;
  }
  return labels;
}

/** Labels as strings: strings verbatim, any other value as JSON (null kept, as "null"); only undefined dropped. */
export function toJsonLabelRecord(source: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined) labels[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return labels;
}

/** Every AlertDraft field but `extra`; typed so that a new draft field must be listed here. */
const DRAFT_FIELDS: Readonly<Record<Exclude<keyof AlertDraft, 'extra'>, true>> = {
  id: true,
  name: true,
  status: true,
  severity: true,
  fingerprint: true,
  lastReceived: true,
  description: true,
  message: true,
  source: true,
  service: true,
  environment: true,
  url: true,
  labels: true,
};

/** AlertDraft field names (all but `extra`): the keys a vendor field must not shadow in `extra`. */
export const CANONICAL_FIELDS: ReadonlySet<string> = new Set(Object.keys(DRAFT_FIELDS));

/** Vendor fields for `extra`, each canonical field name prefixed (`${prefix}${key}`) so it cannot shadow one. */
export function prefixCanonical(fields: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) extra[CANONICAL_FIELDS.has(key) ? `${prefix}${key}` : key] = value;
  return extra;
}
