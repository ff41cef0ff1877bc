/**
 * Opaque, tamper-evident pagination cursors: `base64url(payload).base64url(HMAC-SHA256)`.
 *
 * The payload holds the sort position (receivedAt, id) — the same in both stores, so a page walk
 * survives a day moving to the archive — the time window pinned by the first page, so "last
 * 24 h" does not slide between pages, and the first page's counts, so later pages skip counting. It also carries a digest of the tenant and filters it was
 * issued for: a cursor replayed by another tenant or with other filters is refused, not reinterpreted.
 * The HMAC key is a configured secret shared by every instance, so any instance accepts any cursor.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { PageCounts, Position, TimeWindow } from './types.js';

const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_EPOCH_MS = 8_640_000_000_000_000;

export interface CursorState {
  position: Position;
  window: TimeWindow;
  /** The first page's counts: later pages repeat them instead of counting again. */
  counts: PageCounts;
  /** Digest of what the cursor belongs to (see bindingOf). */
  binding: string;
}

/** Why a cursor was refused; the message is safe to show. */
export class CursorError extends Error {
  override name = 'CursorError';
}

/** Digest of the tenant and query a cursor is valid for (any JSON-serializable description). */
export function bindingOf(scope: unknown): string {
  return createHash('sha256')
    .update(stringify(scope) ?? '')
    .digest('base64url')
    .slice(0, 22);
}

export interface CursorCodec {
  encode(state: CursorState): string;
  /** The state of a cursor this codec issued for `binding`; throws CursorError otherwise. */
  decode(token: string, binding: string): CursorState;
}

/** Cursor codec signing with `secret` (SEARCH_CURSOR_SECRET). */
export function createCursorCodec(secret: string): CursorCodec {
  const sign = (payload: string) => createHmac('sha256', secret).update(`alertgate-cursor.${payload}`).digest();
  return {
    encode({ position, window, counts, binding }) {
      const payload = Buffer.from(
        JSON.stringify({
          v: VERSION,
          p: [position.receivedAt, position.id],
          w: [window.from, window.to],
          c: [counts.total.value, counts.total.relation, counts.hits.postgres, counts.hits.elasticsearch],
          b: binding,
        }),
      ).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    decode(token, binding) {
      const [payload, mac, ...rest] = token.split('.');
      if (!payload || !mac || rest.length > 0) throw new CursorError('is malformed');
      const expected = sign(payload);
      const given = Buffer.from(mac, 'base64url');
      // Node's decoder skips characters outside the alphabet and ignores spare bits, so several
      // texts decode to one MAC: only the canonical encoding of the MAC is the cursor.
      if (given.toString('base64url') !== mac || given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new CursorError('is invalid: it was altered or not issued by this service');
      const state = parsePayload(payload);
      if (state.binding !== binding)
        throw new CursorError('belongs to a different query or tenant; repeat the filters of the first page');
      return state;
    },
  };
}

function parsePayload(payload: string): CursorState {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('is malformed');
  }
  const { v, p, w, c, b } = (raw ?? {}) as { v?: unknown; p?: unknown; w?: unknown; c?: unknown; b?: unknown };
  const [receivedAt, id] = Array.isArray(p) ? p : [];
  const [from, to] = Array.isArray(w) ? w : [];
  const [total, relation, postgres, elasticsearch] = Array.isArray(c) ? c : [];
  if (
    v !== VERSION ||
    !isEpoch(receivedAt) ||
    typeof id !== 'string' ||
    !UUID.test(id) ||
    !isEpoch(from) ||
    !isEpoch(to) ||
    from > to ||
    ![total, postgres, elasticsearch].every(isCount) ||
    (relation !== 'eq' && relation !== 'gte') ||
    typeof b !== 'string'
  )
    throw new CursorError('is malformed');
  return {
    position: { receivedAt, id },
    window: { from, to },
    counts: { total: { value: total, relation }, hits: { postgres, elasticsearch } },
    binding: b,
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= MAX_EPOCH_MS;
}
