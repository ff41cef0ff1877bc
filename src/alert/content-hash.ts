import stringify from 'safe-stable-stringify';
import type { Alert } from './alert.js';
import { sha256Hex } from './hash.js';

/** Fields that differ per delivery and so never make two alerts different (Keep hashes some of them; we do not). */
const PER_DELIVERY: readonly string[] = ['id', 'receivedAt', 'lastReceived', 'tenant'];

/**
 * SHA-256 over the alert as sorted-key JSON, without per-delivery fields and without the rule's
 * ignore fields (dot paths; a path that is not a canonical field is looked up under `extra`).
 */
export function contentHash(alert: Alert, ignoreFields: readonly string[] = []): string {
  const copy: Record<string, unknown> = { ...alert, extra: { ...alert.extra }, labels: { ...alert.labels } };
  for (const field of PER_DELIVERY) delete copy[field];
  for (const path of ignoreFields) removePath(copy, path in copy || path.includes('.') ? path : `extra.${path}`);
  return sha256Hex(stringify(copy) ?? '');
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
