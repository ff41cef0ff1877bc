import stringify from 'safe-stable-stringify';
import type { Alert } from './alert.js';
import { sha256Hex } from './hash.js';

/**
 * SHA-256 over the alert as sorted-key JSON, without the per-delivery fields (id, receivedAt,
 * lastReceived, tenant: Keep hashes some of them, we do not) and without the rule's ignore fields
 * (dot paths; a path that is not a canonical field is looked up under `extra`).
 */
export function contentHash(alert: Alert, ignoreFields: readonly string[] = []): string {
  // Destructuring, not deleting: deleted properties turn objects slow for the serializer.
  const { id: _id, receivedAt: _receivedAt, lastReceived: _lastReceived, tenant: _tenant, ...content } = alert;
  return sha256Hex(stringify(ignoreFields.length > 0 ? withoutFields(content, ignoreFields) : content) ?? '');
}

/** A copy of `content` without the ignore fields; extra and labels are copied too, as paths reach into them. */
function withoutFields(content: Partial<Alert>, ignoreFields: readonly string[]): Record<string, unknown> {
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
