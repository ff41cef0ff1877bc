import { alertKey } from './alert-key.js';
import { sha256Hex } from './hash.js';

/** Largest Unix millisecond time a 48-bit UUIDv7 timestamp holds. */
const MAX_UUID_TIME = 2 ** 48 - 1;
const TIME_ORDERED_ID = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Deterministic, time-ordered alert id in the UUIDv7 layout (RFC 9562): the first 48 bits are the
 * alert's `receivedAt` in Unix milliseconds, the other 74 free bits a digest of (tenant, request
 * id, position). Deterministic, so a job that is delivered twice carries the same ids; time-ordered,
 * so indexes on the id append instead of splitting pages at random, and a lookup by id knows which
 * daily partition to read (receivedAtOfId).
 */
export function alertId(tenant: string, requestId: string, index: number, receivedAt: string): string {
  const time = Date.parse(receivedAt);
  if (!Number.isInteger(time) || time < 0 || time > MAX_UUID_TIME)
    throw new RangeError(`receivedAt ${receivedAt} is not a time a UUIDv7 id can hold`);
  // In two 24-bit halves: toString(16) of a number past 2^31 costs four times as much.
  const stamp = hex24(Math.floor(time / 2 ** 24)) + hex24(time % 2 ** 24);
  const hex = sha256Hex(`${tenant}\u0000${requestId}\u0000${index}`);
  // Version 7 nibble, then the RFC variant bits (10) over the digest.
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${stamp.slice(0, 8)}-${stamp.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `value` (below 2^24) as six hex digits. */
function hex24(value: number): string {
  return value.toString(16).padStart(6, '0');
}

/**
 * The receivedAt (ISO-8601, milliseconds) an id made by alertId carries; null for ids of any other
 * form (those written before ids were time-ordered).
 */
export function receivedAtOfId(id: string): string | null {
  const match = TIME_ORDERED_ID.exec(id.toLowerCase());
  return match ? new Date(Number.parseInt(`${match[1]}${match[2]}`, 16)).toISOString() : null;
}

/** Shard of a fingerprint: stable across processes and restarts (FNV-1a, 32 bit, of its AlertKey). */
export function shardOf(tenant: string, fingerprint: string, shards: number): number {
  let hash = 0x811c9dc5;
  const text = alertKey(tenant, fingerprint);
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
