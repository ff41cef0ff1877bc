import type { TransactionSql } from 'postgres';
import type { Sql } from '../store/db.js';

/** A stream's committed offset moving from `from` to `to` (both entry ids) in a batch's transaction. */
export interface OffsetMove {
  stream: string;
  from: string;
  to: string;
}

/** Another worker committed this stream since we read it: our batch must not land. */
export class OffsetConflictError extends Error {
  constructor(readonly streams: string[]) {
    super(`ingest offsets moved under this worker (${streams.join(', ')}): the shard has another owner`);
  }
}

/** The committed offset of each stream ('0-0' for one never read), creating the missing rows. */
export async function loadOffsets(sql: Sql, streams: readonly string[]): Promise<Map<string, string>> {
  await sql`insert into ingest_offsets (stream) select unnest(${streams as string[]}::text[]) on conflict do nothing`;
  const rows = await sql<{ stream: string; last_id: string }[]>`
    select stream, last_id from ingest_offsets where stream = any(${streams as string[]}::text[])`;
  return new Map(rows.map((row) => [row.stream, row.last_id]));
}

/**
 * Moves the offsets inside the batch's transaction, fenced on their previous values: if a stream's
 * offset is no longer `from`, the shard changed owner while we worked and the whole transaction
 * rolls back (the new owner re-reads those entries), so no entry takes effect twice.
 */
export async function commitOffsets(tx: TransactionSql, moves: readonly OffsetMove[]): Promise<void> {
  if (moves.length === 0) return;
  const moved = await tx<{ stream: string }[]>`
    update ingest_offsets o set last_id = m.next
    from unnest(${moves.map((move) => move.stream)}::text[], ${moves.map((move) => move.from)}::text[],
                ${moves.map((move) => move.to)}::text[]) as m(stream, previous, next)
    where o.stream = m.stream and o.last_id = m.previous
    returning o.stream`;
  if (moved.length !== moves.length) {
    const done = new Set(moved.map((row) => row.stream));
    throw new OffsetConflictError(moves.map((move) => move.stream).filter((stream) => !done.has(stream)));
  }
}
