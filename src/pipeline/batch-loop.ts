import type { Logger } from 'pino';
import { type DedupOptions, DedupState } from '../alert/dedup.js';
import type { DedupRuleCache } from '../alert/dedup-rules.js';
import { exponentialDelayMs } from '../backoff.js';
import { classifyFailure } from '../failure.js';
import * as metrics from '../metrics.js';
import type { RedisClient } from '../redis.js';
import type { Sql } from '../store/db.js';
import type { CommitOutput } from './committed-batch.js';
import type { IngestDeadLetters } from './dead-letters.js';
import { createDecideStage, lastHashLookup } from './decide.js';
import { compareEntryIds, entryTime, LANES, type Lane, nextEntryId, shardTag, streamKey } from './ingest-streams.js';
import { type LogEntry, readShards, type ShardCursor, wholePart } from './log-reader.js';
import { commitOffsets, loadOffsets, OffsetConflictError, type OffsetMove } from './offsets.js';
import { Outbox } from './outbox.js';
import { writeBatch } from './write.js';

export interface BatchLoopOptions {
  /** Namespace of the streams and counters (QUEUE_PREFIX). */
  namespace: string;
  /**
   * Alerts per batch: below `size` the loop waits up to `maxWaitMs` for more; `maxSize` caps a batch.
   * `concurrency` batches are in flight at once, each over its own part of the owned shards.
   */
  batch: { size: number; maxSize: number; maxWaitMs: number; concurrency: number };
  dedup: DedupOptions;
}

export interface BatchLoopDeps {
  sql: Sql;
  redis: RedisClient;
  rules: DedupRuleCache;
  deadLetters: IngestDeadLetters;
  outputs: readonly CommitOutput[];
  log: Logger;
}

/** A shard this worker owns: where its lanes are committed up to, and its dedup state. */
interface OwnedShard {
  shard: number;
  cursor: ShardCursor;
  dedup: DedupState;
}

/**
 * One of the loop's batch sequences: it commits the owned shards with `shard % concurrency ===
 * index` one batch at a time. Several of them keep the process busy while PostgreSQL writes.
 */
interface Strand {
  index: number;
  /** Rotates which shard a capped batch starts with, so none starves under backlog. */
  firstShard: number;
  /**
   * The next batch, read while the current one commits (from where that commit moves the cursors),
   * so the worker decodes it while PostgreSQL writes. Used only if the commit moved them there.
   */
  readAhead: { from: Map<number, ShardCursor>; entries: Promise<LogEntry[]> } | undefined;
  /** The step in flight. */
  current: Promise<unknown>;
}

/** Counter of ingest entries committed by every worker; its rate is the drain rate behind Retry-After. */
export const COMMITTED_ENTRIES_KEY = 'stats:committed-entries';
/** Hash of committed entries per shard, for the queue sampler's throughput. */
export const COMMITTED_BY_SHARD_KEY = 'stats:committed-by-shard';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The worker's batch pipeline over the shards it owns: read (both lanes of every owned shard, from
 * the committed offsets) → decide (dedup) → write (one transaction for all shards, offsets and
 * outbox rows included) → after-commit outputs → trim the streams up to the committed offsets.
 * Each shard belongs to one strand, which commits one batch at a time, so the shard's dedup state
 * sees its alerts in order.
 */
export class BatchLoop {
  private readonly owned = new Map<number, OwnedShard>();
  private readonly outbox: Outbox;
  private readonly decide: ReturnType<typeof createDecideStage>;
  private readonly strands: Strand[];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly options: BatchLoopOptions,
    private readonly deps: BatchLoopDeps,
  ) {
    this.outbox = new Outbox(deps.sql, deps.outputs, deps.log);
    this.strands = Array.from({ length: options.batch.concurrency }, (_, index) => ({
      index,
      firstShard: 0,
      readAhead: undefined,
      current: Promise.resolve(),
    }));
    this.decide = createDecideStage({
      ruleFor: (tenant, providerType, providerId) => deps.rules.ruleFor(tenant, providerType, providerId),
      lookup: lastHashLookup(deps.sql),
    });
  }

  get ownedShards(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  start(): void {
    this.running = true;
    this.loops = this.strands.map((strand) => this.run(strand));
  }

  /** Finishes the batch in flight and stops; entries not committed stay in the log for the next owner. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.outbox.deleteDrained().catch(() => {});
  }

  /** Takes a shard over: resumes at its committed offsets, rebuilds dedup, delivers left-over outbox rows. */
  async acquire(shard: number): Promise<void> {
    const streams = LANES.map((lane) => streamKey(this.options.namespace, shard, lane));
    const offsets = await loadOffsets(this.deps.sql, streams);
    const [urgent, normal] = streams.map((stream) => offsets.get(stream) ?? '0-0') as [string, string];
    const owned: OwnedShard = { shard, cursor: { urgent, normal }, dedup: new DedupState(this.options.dedup) };
    await this.rebuildDedup(owned);
    await this.outbox.recover(shard, shardTag(this.options.namespace, shard));
    this.owned.set(shard, owned);
  }

  /** Gives a shard up once the batch in flight (which may hold its entries) has finished. */
  async release(shard: number): Promise<void> {
    this.owned.delete(shard);
    await (this.strands[shard % this.strands.length] as Strand).current;
    await this.outbox.deleteDrained();
  }

  /** Reloads an owned shard's bloom filter and cache from last_alert (after the TTL sweep). */
  async rebuild(shard: number): Promise<void> {
    const owned = this.owned.get(shard);
    if (owned) await this.rebuildDedup(owned);
  }

  private async rebuildDedup(owned: OwnedShard): Promise<void> {
    const entries: { tenant: string; fingerprint: string; contentHash: string }[] = [];
    await this.deps.sql`select tenant, fingerprint, content_hash from last_alert where shard = ${owned.shard}`.cursor(
      10_000,
      (rows) => {
        for (const row of rows)
          entries.push({ tenant: row.tenant, fingerprint: row.fingerprint, contentHash: row.content_hash });
      },
    );
    owned.dedup.rebuild(entries);
    this.reportDedupStats(owned);
  }

  private async run(strand: Strand): Promise<void> {
    while (this.running) {
      const step = this.step(strand).catch((error: unknown) => {
        this.deps.log.error({ err: error }, 'batch step failed');
        return false;
      });
      strand.current = step;
      if (!(await step)) await sleep(this.options.batch.maxWaitMs);
    }
  }

  /** One batch; false when there was nothing to do. */
  private async step(strand: Strand): Promise<boolean> {
    await this.outbox.retryDue();
    let entries = (await this.takeReadAhead(strand)) ?? (await this.read(this.cursors(strand)));
    if (entries.length === 0) return false;
    // A small batch waits a moment for company: fewer, larger transactions under moderate load.
    if (alertCount(entries) < this.options.batch.size) {
      await sleep(this.options.batch.maxWaitMs);
      entries = await this.read(this.cursors(strand));
    }
    await this.commit(strand, entries, alertCount(entries) >= this.options.batch.size ? 'size' : 'time');
    return true;
  }

  private shardsOf(strand: Strand): OwnedShard[] {
    return [...this.owned.values()].filter((owned) => owned.shard % this.strands.length === strand.index);
  }

  /** Where each of the strand's shards is committed up to, starting at a rotating shard. */
  private cursors(strand: Strand): Map<number, ShardCursor> {
    const shards = this.shardsOf(strand);
    strand.firstShard = shards.length === 0 ? 0 : (strand.firstShard + 1) % shards.length;
    const rotated = [...shards.slice(strand.firstShard), ...shards.slice(0, strand.firstShard)];
    return new Map(rotated.map((owned) => [owned.shard, { ...owned.cursor }]));
  }

  /** Starts reading the strand's batch after the one that `moves` commits. */
  private startReadAhead(strand: Strand, moves: readonly LaneMove[]): void {
    const from = this.cursors(strand);
    for (const move of moves) {
      const cursor = from.get(move.shard);
      if (cursor) cursor[move.lane] = move.to;
    }
    const entries = this.read(from);
    entries.catch(() => {}); // a failed read-ahead is not used: the step reads again
    strand.readAhead = { from, entries };
  }

  /** The read-ahead batch, if the strand's shards and their cursors are what it assumed. */
  private async takeReadAhead(strand: Strand): Promise<LogEntry[] | undefined> {
    const ahead = strand.readAhead;
    strand.readAhead = undefined;
    if (!ahead || ahead.from.size !== this.shardsOf(strand).length) return undefined;
    for (const [shard, from] of ahead.from) {
      const cursor = this.owned.get(shard)?.cursor;
      if (cursor?.urgent !== from.urgent || cursor.normal !== from.normal) return undefined;
    }
    return ahead.entries.catch(() => undefined);
  }

  /**
   * Entries after each shard's cursor, capped at batch.maxSize alerts: urgent lanes are taken
   * first, then normal ones, each lane as a prefix of what it holds (whole entries). The batch is
   * then put in log order per shard, so dedup and last_alert see each fingerprint in order.
   */
  private async read(cursors: ReadonlyMap<number, ShardCursor>): Promise<LogEntry[]> {
    if (cursors.size === 0) return [];
    const perStream = Math.max(16, Math.ceil(this.options.batch.maxSize / cursors.size));
    const read = await readShards(this.deps.redis, this.options.namespace, cursors, perStream);
    const batch: LogEntry[] = [];
    let alerts = 0;
    // readShards answers in the order of `cursors`, so each lane's entries are already in rotation order.
    take: for (const lane of LANES) {
      for (const entry of read.filter((candidate) => candidate.lane === lane)) {
        if (batch.length > 0 && alerts + entry.alerts.length > this.options.batch.maxSize) break take;
        batch.push(entry);
        alerts += entry.alerts.length;
      }
    }
    return batch.sort((a, b) => a.shard - b.shard || compareEntryIds(a.id, b.id));
  }

  /**
   * Commits a batch: transient failures retry the same entries with backoff, for as long as it
   * takes (an accepted alert is never dropped); a permanent one is isolated to its entry.
   */
  private async commit(strand: Strand, entries: LogEntry[], trigger: 'size' | 'time'): Promise<void> {
    for (let attempt = 0; this.running || attempt === 0; attempt++) {
      try {
        await this.commitEntries(strand, entries, trigger);
        return;
      } catch (error) {
        if (error instanceof OffsetConflictError) return this.resync(error);
        const failure = classifyFailure(error);
        metrics.batchFailures.inc({ class: failure });
        if (failure !== 'transient') return this.isolate(strand, entries);
        this.deps.log.warn({ err: error, entries: entries.length, attempt }, 'batch failed; retrying');
        await sleep(exponentialDelayMs(attempt, 100, 30_000));
      }
    }
  }

  /** Commits entries one by one; one that fails permanently goes to the dead letters and the log moves past it. */
  private async isolate(strand: Strand, entries: LogEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.commitEntries(strand, [entry], 'time');
      } catch (error) {
        if (error instanceof OffsetConflictError) return this.resync(error);
        if (classifyFailure(error) === 'transient') throw error;
        this.deps.log.error(
          { err: error, shard: entry.shard, entry: entry.id },
          'ingest entry moved to the dead letters',
        );
        await this.deps.deadLetters.add({
          shard: entry.shard,
          entryId: entry.id,
          job: wholePart(entry),
          error: String((error as Error).message ?? error),
          failedAt: new Date().toISOString(),
        });
        metrics.deadLettered.inc();
        await this.skip(entry);
      }
    }
  }

  /** Moves a shard's offset past a dead-lettered entry, in a transaction of its own. */
  private async skip(entry: LogEntry): Promise<void> {
    const owned = this.ownerOf(entry);
    if (!owned) return;
    const move = { stream: entry.stream, from: owned.cursor[entry.lane], to: entry.id };
    await this.deps.sql.begin((tx) => commitOffsets(tx, [move]));
    owned.cursor[entry.lane] = entry.id;
    this.trim([move]);
  }

  private async commitEntries(strand: Strand, read: LogEntry[], trigger: 'size' | 'time'): Promise<void> {
    const started = performance.now();
    // A shard released since the read is the next owner's to commit.
    const entries = read.filter((entry) => this.owned.has(entry.shard));
    if (entries.length === 0) return;
    const shards = new Map(entries.map((entry) => [entry.shard, this.ownerOf(entry)]));
    const decided = await this.decide(entries, (shard) => (shards.get(shard) as OwnedShard).dedup);
    const moves = offsetMoves(entries, shards);
    const drained = this.outbox.takeDrained();
    this.startReadAhead(strand, moves);
    let result: Awaited<ReturnType<typeof writeBatch>>;
    try {
      result = await writeBatch(this.deps.sql, {
        decided,
        raws: entries.filter((entry) => entry.head.raw !== undefined).map((entry) => entry.head),
        offsets: moves,
        drainedOutbox: drained,
        shardKeyOf: (shard) => shardTag(this.options.namespace, shard),
      });
    } catch (error) {
      this.outbox.keepDrained(drained);
      throw error;
    }
    for (const move of moves) {
      const owned = shards.get(move.shard) as OwnedShard;
      owned.cursor[move.lane] = move.to;
    }
    for (const last of result.lastHashes)
      shards.get(last.shard)?.dedup.remember(last.tenant, last.fingerprint, last.hash);
    this.observe(entries, result, trigger, started);
    await Promise.all(result.batches.map((batch) => this.outbox.deliver(batch)));
    this.trim(moves);
  }

  private ownerOf(entry: LogEntry): OwnedShard | undefined {
    return this.owned.get(entry.shard);
  }

  /** Another worker committed one of our streams: that shard is not ours any more; drop it. */
  private resync(error: OffsetConflictError): void {
    this.deps.log.warn({ streams: error.streams }, error.message);
    for (const [shard] of this.owned)
      if (LANES.some((lane) => error.streams.includes(streamKey(this.options.namespace, shard, lane))))
        this.owned.delete(shard);
  }

  /** Drops what the offsets now cover (best effort: a later trim catches up). */
  private trim(moves: readonly OffsetMove[]): void {
    for (const move of moves)
      this.deps.redis.xtrim(move.stream, 'MINID', nextEntryId(move.to)).catch((error: unknown) => {
        this.deps.log.warn({ err: error, stream: move.stream }, 'could not trim an ingest stream');
      });
  }

  private observe(
    entries: readonly LogEntry[],
    result: Awaited<ReturnType<typeof writeBatch>>,
    trigger: 'size' | 'time',
    started: number,
  ): void {
    const now = Date.now();
    metrics.commitSeconds.observe((performance.now() - started) / 1000);
    metrics.batchSize.observe({ trigger }, alertCount(entries));
    for (const entry of entries) metrics.queueLagSeconds.observe((now - entryTime(entry.id)) / 1000);
    const outcomes = new Map<string, { provider: string; outcome: string; count: number }>();
    const tally = (provider: string, outcome: string, n: number) => {
      const key = `${provider}\u0000${outcome}`;
      const tally = outcomes.get(key);
      if (tally) tally.count += n;
      else outcomes.set(key, { provider, outcome, count: n });
    };
    for (const batch of result.batches)
      for (const { alert, change } of batch.alerts) tally(alert.providerType, change, 1);
    for (const [provider, duplicates] of result.duplicates) tally(provider, 'duplicate', duplicates);
    // Tallied first: a labelled increment per alert costs more than the rest of this method.
    for (const { provider, outcome, count } of outcomes.values())
      metrics.dedupDecisions.inc({ provider, outcome }, count);
    if (result.stale > 0) metrics.staleOccurrences.inc(result.stale);
    const prefix = this.options.namespace;
    const perShard = new Map<number, number>();
    for (const entry of entries) perShard.set(entry.shard, (perShard.get(entry.shard) ?? 0) + 1);
    const counters = [this.deps.redis.incrby(`${prefix}:${COMMITTED_ENTRIES_KEY}`, entries.length)];
    for (const [shard, count] of perShard) {
      counters.push(this.deps.redis.hincrby(`${prefix}:${COMMITTED_BY_SHARD_KEY}`, String(shard), count));
      const owned = this.owned.get(shard);
      if (owned) this.reportDedupStats(owned);
    }
    Promise.all(counters).catch(() => {});
  }

  private reportDedupStats(owned: OwnedShard): void {
    const stats = owned.dedup.stats();
    metrics.bloomFillRatio.set({ shard: String(owned.shard) }, stats.bloomFillRatio);
    metrics.bloomFalsePositiveRate.set({ shard: String(owned.shard) }, stats.bloomFalsePositiveRate);
  }
}

/** An offset move with the shard and lane of its stream. */
type LaneMove = OffsetMove & { shard: number; lane: Lane };

/** Per stream in the batch: from the shard's cursor to the last entry taken. */
function offsetMoves(entries: readonly LogEntry[], shards: ReadonlyMap<number, OwnedShard | undefined>): LaneMove[] {
  const last = new Map<string, LogEntry>();
  for (const entry of entries) last.set(entry.stream, entry);
  return [...last.values()].map((entry) => ({
    stream: entry.stream,
    shard: entry.shard,
    lane: entry.lane,
    from: (shards.get(entry.shard) as OwnedShard).cursor[entry.lane],
    to: entry.id,
  }));
}

function alertCount(entries: readonly LogEntry[]): number {
  let count = 0;
  for (const entry of entries) count += entry.alerts.length;
  return count;
}
