import type { WorkerView } from './worker-registry.js';

export type QueueKind = 'ingest' | 'publish' | 'dead-letter';

/** Throughput over the last minute and five minutes (shorter right after start: `windowSeconds`). */
export interface Throughput {
  perSecond1m: number;
  perSecond5m: number;
  /** Seconds of history behind perSecond5m (up to 300). */
  windowSeconds: number;
}

/** One queue at one instant. */
export interface QueueView {
  name: string;
  kind: QueueKind;
  shard: number | null;
  /** Jobs ready to run (BullMQ wait + prioritized); for an ingest shard, log entries not yet committed. */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** For an ingest shard, entries committed since the log began (the batch loop's counter). */
  completed: number;
  /** Ingest shards: waiting entries by lane (urgent, normal). */
  waitingByPriority: Record<string, number> | null;
  oldestWaitingSeconds: number;
  /** Null until the queue's workers report completions (BullMQ worker metrics, or committed ingest entries). */
  throughput: Throughput | null;
}

/** What the queue sampler saw at one instant; every reader of queue figures reads this. */
export interface QueueSample {
  /** Epoch ms the sample was taken. */
  at: number;
  queues: QueueView[];
  workers: WorkerView[];
  /** Ingest shards that no live worker announced. */
  unownedShards: number[];
  publishDeadLetters: { size: number; oldestSeconds: number } | null;
}
