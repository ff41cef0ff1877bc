/**
 * The worker role: the publisher, escalation and the batch worker over the shards this process
 * owns, wired through the batch loop's after-commit outputs.
 */
import type { Logger } from 'pino';
import { DedupRuleCache } from '../alert/dedup-rules.js';
import { type Component, startComponent } from '../component.js';
import type { Config } from '../config.js';
import { createPublishGate, gatePublishing } from '../lifecycle/publish-gate.js';
import { SilenceStore } from '../lifecycle/silence-store.js';
import { BatchLoop } from '../pipeline/batch-loop.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import { IngestDeadLetters } from '../pipeline/dead-letters.js';
import { ShardOwnership } from '../pipeline/shard-ownership.js';
import { deleteInactiveFingerprints } from '../pipeline/upkeep.js';
import { TargetHealth } from '../publish/health.js';
import { createPublishOutput, PublishQueue } from '../publish/publish-queue.js';
import { startPublishWorker } from '../publish/publish-worker.js';
import { buildPublishPipeline, type PipelineOptions, type PublishPipeline } from '../publish/publisher.js';
import { TargetCatalog } from '../publish/target-catalog.js';
import { createRealtimeOutput } from '../realtime/commit-listener.js';
import { RealtimeEventLog } from '../realtime/event-log.js';
import { createWorkerRedis } from '../redis.js';
import { EscalationCatalog } from '../rules/escalation-catalog.js';
import { EscalationQueue } from '../rules/escalation-queue.js';
import { startEscalation } from '../rules/escalation-service.js';
import { assertSchemaCurrent } from '../store/db.js';
import { maintainPartitions } from '../store/partitions.js';
import type { Services } from './services.js';

export interface Publisher extends Component {
  /** An after-commit output: enqueues each committed batch's publish job. */
  output: CommitOutput;
  pipeline: PublishPipeline;
  queue: PublishQueue;
}

/**
 * The delivery pipeline over this process's target catalog and health, without the queue (the
 * publisher's core, and what the publish benchmarks and contract tests drive directly). Stop
 * aborts in-flight requests, then stops the catalog.
 */
export function startPublishPipeline(
  services: Services,
  log: Logger,
  options: Pick<PipelineOptions, 'scheduleRetry' | 'publishLog' | 'random'> & { config?: Config },
): Promise<PublishPipeline & Component> {
  const config = options.config ?? services.config;
  const prefix = config.QUEUE_PREFIX;
  return startComponent(async (scope) => {
    const catalog = new TargetCatalog(services.database.db, config.publish.targets);
    await catalog.start();
    scope.onStop(() => catalog.stop());
    const pipeline = buildPublishPipeline(
      {
        database: services.database,
        redis: services.redis,
        prefix,
        catalog,
        health: new TargetHealth(services.redis, prefix, config.publish.health),
        log,
      },
      { ...options, delivery: config.publish.delivery, retry: config.publish.retry },
    );
    scope.onStop(() => pipeline.close());
    return pipeline;
  });
}

/**
 * The publish side of a worker process: the delivery pipeline, the `publish` queue producer and
 * its consumer. Stop lets in-flight jobs finish, then closes the pipeline, then the connections.
 */
export function startPublisher(
  services: Services,
  log: Logger,
  options: { config?: Config; random?: () => number } = {},
): Promise<Publisher> {
  const config = options.config ?? services.config;
  const prefix = config.QUEUE_PREFIX;
  return startComponent(async (scope) => {
    const producer = createWorkerRedis(config, 'publish-queue');
    scope.onStop(() => producer.quit());
    const queue = new PublishQueue(producer, prefix);
    scope.onStop(() => queue.close());
    const pipeline = scope.own(
      await startPublishPipeline(services, log, {
        config,
        random: options.random,
        scheduleRetry: (job, delayMs, jobId) => queue.addDelivery(job, delayMs, jobId),
      }),
    );
    scope.own(
      await startPublishWorker(
        { pipeline, connection: createWorkerRedis(config, 'publish-worker'), prefix, retry: config.publish.retry, log },
        config.publish.worker,
      ),
    );
    return { output: createPublishOutput(queue, pipeline.catalog), pipeline, queue };
  });
}

export interface BatchWorker extends Component {
  ownership: ShardOwnership;
  loop: BatchLoop;
  /** Deletes last_alert rows idle longer than the TTL in owned shards, then rebuilds their dedup state. */
  sweepInactiveFingerprints(): Promise<number>;
}

const HOUR_MS = 3_600_000;

/** Starts a batch worker: shard ownership, the batch loop over owned shards, partition upkeep, TTL sweep. */
export function startBatchWorker(
  services: Services,
  log: Logger,
  options: { config?: Config; outputs?: CommitOutput[]; ownershipIntervalMs?: number } = {},
): Promise<BatchWorker> {
  const config = options.config ?? services.config;
  const { database, redis } = services;
  const { upkeep } = config.worker;
  const ownershipIntervalMs = options.ownershipIntervalMs ?? 2000;
  return startComponent(async (scope) => {
    const rules = new DedupRuleCache(database.db);
    await rules.start();
    scope.onStop(() => rules.stop());
    await maintainPartitions(database.sql, upkeep.partitionDaysAhead);
    const deadLetters = new IngestDeadLetters(redis, config.QUEUE_PREFIX);
    scope.onStop(() => deadLetters.close());
    const loop = new BatchLoop(
      { namespace: config.QUEUE_PREFIX, batch: config.worker.batch, dedup: config.worker.dedup },
      { sql: database.sql, redis, rules, deadLetters, outputs: options.outputs ?? [], log },
    );
    loop.start();
    scope.onStop(() => loop.stop());
    const ownership = new ShardOwnership(
      database.sql,
      redis,
      { acquire: (shard) => loop.acquire(shard), release: (shard) => loop.release(shard) },
      {
        shards: config.SHARDS,
        namespace: config.QUEUE_PREFIX,
        intervalMs: ownershipIntervalMs,
        livenessMs: ownershipIntervalMs * 5,
      },
      log,
    );
    await ownership.start();
    scope.onStop(() => ownership.stop());

    const sweepInactiveFingerprints = async () => {
      const shards = ownership.ownedShards;
      const deleted = await deleteInactiveFingerprints(database.sql, shards, upkeep.lastAlertTtlDays);
      for (const shard of shards) await loop.rebuild(shard);
      return deleted;
    };
    const timer = setInterval(() => {
      maintainPartitions(database.sql, upkeep.partitionDaysAhead)
        .then(sweepInactiveFingerprints)
        .catch((error: unknown) => log.warn({ err: error }, 'partition upkeep or TTL sweep failed'));
    }, HOUR_MS);
    timer.unref();
    scope.onStop(() => clearInterval(timer));
    return { ownership, loop, sweepInactiveFingerprints };
  });
}

export interface WorkerRole extends Component {
  publisher: Publisher;
  escalationQueue: EscalationQueue;
  batches: BatchWorker;
}

/**
 * `alertgate worker`: the publisher, escalation and the batch worker, whose outputs are the
 * realtime stream, publishing behind the suppression/silence gate and escalation scheduling.
 * Stop runs in reverse: batches first (their last commits still enqueue publish and escalation
 * jobs), then escalation (it enqueues deliveries), then the publisher.
 */
export function startWorkerRole(
  services: Services,
  log: Logger,
  options: { config?: Config; extraOutputs?: CommitOutput[]; ownershipIntervalMs?: number } = {},
): Promise<WorkerRole> {
  const config = options.config ?? services.config;
  const { database, redis } = services;
  return startComponent(async (scope) => {
    await assertSchemaCurrent(database.sql);
    const publisher = scope.own(await startPublisher(services, log, { config }));
    const silences = new SilenceStore(database.db);
    const policies = new EscalationCatalog(database.db, config.escalation.policies);
    await policies.start();
    scope.onStop(() => policies.stop());
    const escalationProducer = createWorkerRedis(config, 'escalation-queue');
    scope.onStop(() => escalationProducer.quit());
    const escalationQueue = new EscalationQueue(escalationProducer, config.QUEUE_PREFIX);
    scope.onStop(() => escalationQueue.close());
    const escalation = scope.own(
      await startEscalation({
        sql: database.sql,
        catalog: policies,
        queue: escalationQueue,
        silences,
        publishQueue: publisher.queue,
        connection: createWorkerRedis(config, 'escalation-worker'),
        prefix: config.QUEUE_PREFIX,
        log,
      }),
    );
    const outputs = [
      createRealtimeOutput(new RealtimeEventLog(redis, config.QUEUE_PREFIX, config.realtime.replayEvents), log),
      gatePublishing(createPublishGate(silences), publisher.output, log, () =>
        publisher.pipeline.catalog.list().some((target) => target.enabled),
      ),
      escalation.output,
      ...(options.extraOutputs ?? []),
    ];
    const batches = scope.own(
      await startBatchWorker(services, log, { config, outputs, ownershipIntervalMs: options.ownershipIntervalMs }),
    );
    return { publisher, escalationQueue, batches };
  });
}
