import { type Client, errors } from '@elastic/elasticsearch';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { classifyStatus } from '../failure.js';

/** One document to index: its `_id` and its JSON source, already serialized. */
export interface BulkDocument {
  id: string;
  source: string;
}

/** Target index and the bounds on memory, concurrency and retries. */
export interface BulkOptions {
  index: string;
  /** Request body size at which a chunk is sent (bytes). */
  flushBytes: number;
  /** Chunks in flight at once; memory is about concurrency × flushBytes. */
  concurrency: number;
  /** Retries of a chunk (or of its throttled/failed items) after 429, 5xx or a connection error. */
  retries: number;
  /** First backoff delay in ms, doubled per retry up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  signal?: AbortSignal;
}

/** What a bulkIndex call sent. */
export interface BulkStats {
  docs: number;
  /** Bytes of `_bulk` bodies sent (action + source lines, first attempts only). */
  bytes: number;
  retries: number;
}

/** Items Elasticsearch refused for good (4xx other than 429): retrying would not help. */
export class BulkRejectedError extends Error {
  constructor(
    readonly rejected: number,
    readonly sample: string,
  ) {
    super(`Elasticsearch rejected ${rejected} document(s) of a _bulk request: ${sample}`);
    this.name = 'BulkRejectedError';
  }
}

/** A `_bulk` answered 200 with `errors: true` and only retryable item failures: retry those items. */
class PartialBulkError extends Error {
  constructor(readonly sample: string) {
    super(`_bulk partially failed: ${sample}`);
    this.name = 'PartialBulkError';
  }
}

/** Connection problems, 429 and 5xx are worth another attempt; everything else is final. */
function isRetryable(error: Error): boolean {
  if (error instanceof PartialBulkError) return true;
  if (error instanceof errors.ResponseError) return classifyStatus(error.statusCode ?? 500)?.class === 'transient';
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  );
}

function describeItem(item: { status: number; error?: { type?: string; reason?: string | null } }): string {
  return `${item.status} ${item.error?.type ?? ''}: ${item.error?.reason ?? ''}`.trim();
}

/**
 * Streams documents into one index through `_bulk` with bounded memory: at most `concurrency`
 * chunks of about `flushBytes` exist at a time, and the source is only read while a slot is free.
 * Index operations with fixed `_id`s make any replay idempotent. Items answered 429/5xx are
 * retried with backoff; a 4xx item fails the whole call with BulkRejectedError.
 */
export async function bulkIndex(
  client: Client,
  documents: AsyncIterable<BulkDocument>,
  options: BulkOptions,
): Promise<BulkStats> {
  const stats: BulkStats = { docs: 0, bytes: 0, retries: 0 };
  const policy = retry(handleWhen(isRetryable), {
    maxAttempts: options.retries,
    backoff: new ExponentialBackoff({ initialDelay: options.initialBackoffMs, maxDelay: options.maxBackoffMs }),
  });
  policy.onRetry(() => stats.retries++);

  const send = async (chunk: BulkDocument[]): Promise<void> => {
    let pending = chunk;
    await policy.execute(async () => {
      options.signal?.throwIfAborted();
      const operations = pending.flatMap((doc) => [`{"index":{"_id":${JSON.stringify(doc.id)}}}`, doc.source]);
      // The client's own retries are off: this policy is the only place that retries.
      const response = await client.bulk({ index: options.index, operations }, { maxRetries: 0 });
      if (!response.errors) return;
      const again: BulkDocument[] = [];
      let rejected = 0;
      let sample = '';
      response.items.forEach((item, i) => {
        const result = item.index;
        const failure = result ? classifyStatus(result.status) : null;
        if (!result || !failure) return;
        sample ||= describeItem(result);
        if (failure.class === 'transient') again.push(pending[i] as BulkDocument);
        else rejected++;
      });
      if (rejected > 0) throw new BulkRejectedError(rejected, sample);
      if (again.length > 0) {
        pending = again;
        throw new PartialBulkError(sample);
      }
    }, options.signal);
    stats.docs += chunk.length;
  };

  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  const launch = (chunk: BulkDocument[]) => {
    const sent: Promise<void> = send(chunk)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inflight.delete(sent));
    inflight.add(sent);
  };

  let chunk: BulkDocument[] = [];
  let chunkBytes = 0;
  try {
    for await (const doc of documents) {
      const bytes = Buffer.byteLength(doc.source) + doc.id.length + 20;
      chunk.push(doc);
      chunkBytes += bytes;
      stats.bytes += bytes;
      if (chunkBytes < options.flushBytes) continue;
      launch(chunk);
      chunk = [];
      chunkBytes = 0;
      while (inflight.size >= options.concurrency) await Promise.race(inflight);
      // Leaving the loop closes the source (the database cursor) early.
      if (failure !== undefined || options.signal?.aborted) break;
    }
    if (chunk.length > 0 && failure === undefined && !options.signal?.aborted) launch(chunk);
  } finally {
    // Also when the source failed: no request may outlive the call.
    await Promise.all(inflight);
  }
  if (failure !== undefined) throw failure;
  options.signal?.throwIfAborted();
  return stats;
}
