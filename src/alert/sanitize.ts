/**
 * Removes U+0000 from every string (keys included): PostgreSQL text and jsonb cannot hold it, and
 * Keep strips it too. Keys are defined, not assigned, so "__proto__" stays a plain key.
 */
export function stripNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
  if (Array.isArray(value)) return value.map(stripNul) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, stripNul(key), {
        value: stripNul(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}
