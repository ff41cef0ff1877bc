import { type Processor, Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { type Component, startComponent } from './component.js';
import type { RedisClient } from './redis.js';

export interface QueueWorkerOptions extends Omit<WorkerOptions, 'connection' | 'autorun'> {
  /** The consumer's own blocking connection; it is closed when the worker stops. */
  connection: RedisClient;
}

/**
 * A BullMQ consumer of `queue` as a component: errors are logged under `name`, and stop lets the
 * jobs in flight finish before it closes the connection.
 */
export function startQueueWorker<Data>(
  name: string,
  queue: string,
  processor: Processor<Data>,
  options: QueueWorkerOptions,
  log: Logger,
): Promise<Component & { worker: Worker<Data> }> {
  return startComponent((scope) => {
    scope.onStop(() => options.connection.quit());
    const worker = new Worker<Data>(queue, processor, options);
    worker.on('error', (error) => log.warn({ err: error }, `${name} error`));
    scope.onStop(() => worker.close());
    return { worker };
  });
}
