import type { Severity } from '../alert/alert.js';

/** The urgent lane (critical and high alerts) is read beside the normal one, so a backlog of noise never delays it. */
export const LANES = ['urgent', 'normal'] as const;
export type Lane = (typeof LANES)[number];

export function laneOf(severity: Severity): Lane {
  return severity === 'critical' || severity === 'high' ? 'urgent' : 'normal';
}

/**
 * The hash tag of a shard's keys: `{<namespace>:s07}`. Redis Cluster places a key by the first
 * `{…}` in its name, so shards spread over the nodes while both lanes of a shard share one slot
 * (their entry ids then compare). Braces in the namespace are dropped so they cannot take over.
 */
export function shardTag(namespace: string, shard: number): string {
  return `{${namespace.replace(/[{}]/g, '')}:s${String(shard).padStart(2, '0')}}`;
}

/** A shard's name in queue metrics and the admin views (both lanes together). */
export function ingestViewName(shard: number): string {
  return `ingest-${shard}`;
}

/** Stream key of one shard's lane, e.g. `{alertgate:s07}:urgent`. */
export function streamKey(namespace: string, shard: number, lane: Lane): string {
  return `${shardTag(namespace, shard)}:${lane}`;
}

/** The shard's entry-id clock: the last id given to an entry of either lane (see ingest-log.ts). */
export function shardClockKey(namespace: string, shard: number): string {
  return `${shardTag(namespace, shard)}:clock`;
}

/**
 * A stream entry id (`<ms>-<seq>`) as one number that orders like the id: ms × 10^6 + seq, as a
 * decimal string (it exceeds 2^53). Redis appends far fewer than a million entries per millisecond.
 */
export function entryPosition(id: string): string {
  const dash = id.indexOf('-');
  return (BigInt(id.slice(0, dash)) * 1_000_000n + BigInt(id.slice(dash + 1))).toString();
}

/** Epoch ms at which Redis appended the entry. */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The smallest id after `id`: XTRIM MINID with it removes `id` and everything before. */
export function nextEntryId(id: string): string {
  const dash = id.indexOf('-');
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`;
}

/** Orders two entry ids numerically (string order breaks when the lengths differ). */
export function compareEntryIds(a: string, b: string): number {
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  return (
    Number(a.slice(0, dashA)) - Number(b.slice(0, dashB)) || Number(a.slice(dashA + 1)) - Number(b.slice(dashB + 1))
  );
}
