/** Unpaired UTF-16 surrogates, which JSON.parse lets through from `\ud800`-style escapes. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The same pattern without the global flag, whose `test` would carry state between calls. */
const HAS_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source);

/** Whether `text` holds what {@link sanitizeText} would change: U+0000 or an unpaired surrogate. */
export function hasUnstorableText(text: string): boolean {
  return text.includes('\u0000') || HAS_LONE_SURROGATE.test(text);
}

/**
 * Makes every string (keys included) storable: PostgreSQL text and jsonb cannot hold U+0000 (Keep
 * strips it too) nor unpaired surrogates (replaced by U+FFFD, as a UTF-8 decoder replaces bytes it
 * cannot read: the text keeps a visible mark where it was damaged instead of silently closing up). Keys are defined, not assigned, so
 * "__proto__" stays a plain key.
 */
export function sanitizeText<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd') as T;
  if (Array.isArray(value)) return value.map(sanitizeText) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, sanitizeText(key), {
        value: sanitizeText(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}
