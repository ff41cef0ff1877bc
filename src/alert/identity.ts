import { sha256Hex } from './hash.js';

/**
 * Deterministic alert id: a UUID-shaped digest of (tenant, request id, position). A job that is
 * delivered twice carries the same ids, so the second insert is a no-op.
 */
export function alertId(tenant: string, requestId: string, index: number): string {
  const hex = sha256Hex(`${tenant}\u0000${requestId}\u0000${index}`);
  // Version 8 (custom) UUID layout: set the version nibble and the RFC 4122 variant bits.
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Shard of a fingerprint: stable across processes and restarts (FNV-1a, 32 bit). */
export function shardOf(tenant: string, fingerprint: string, shards: number): number {
  let hash = 0x811c9dc5;
  const text = `${tenant}\u0000${fingerprint}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
