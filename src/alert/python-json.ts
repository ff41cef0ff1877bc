/**
 * JSON text exactly as Python's json.dumps renders it with default options (", " and ": "
 * separators, non-ASCII escaped), so fingerprints hashed over JSON match Keep's byte for byte.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeAscii(JSON.stringify(value));
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${escapeAscii(JSON.stringify(key))}: ${pythonJsonDumps(item)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return escapeAscii(JSON.stringify(String(value)));
}

function escapeAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const text = String(value);
  return text.includes('e') || text.includes('.') ? text : `${text}.0`;
}
