import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import type { Publisher } from '../publish/publish-worker.js';
import { createRealtimeOutput } from '../realtime/commit-listener.js';
import { RealtimeEventLog } from '../realtime/event-log.js';
import { type EscalationService, startEscalation } from '../rules/escalation-service.js';
import type { Services } from '../services.js';
import { createPublishGate, gatePublishing } from './publish-gate.js';
import { SilenceStore } from './silence-store.js';

export interface LifecycleWorker {
  /**
   * The after-commit outputs to give startWorker: the realtime stream, publishing behind the
   * suppression/silence gate (in place of the publisher's own output), and escalation scheduling.
   */
  outputs: CommitOutput[];
  escalation: EscalationService;
  stop(): Promise<void>;
}

/** Starts the worker-process side of lifecycle: streams, publish gate and escalation. */
export async function startLifecycleWorker(
  services: Services,
  log: Logger,
  publisher: Pick<Publisher, 'output' | 'queue' | 'pipeline'>,
  options: { config?: Config } = {},
): Promise<LifecycleWorker> {
  const config = options.config ?? services.config;
  const silences = new SilenceStore(services.database.db);
  const events = new RealtimeEventLog(services.redis, config.QUEUE_PREFIX, config.REALTIME_REPLAY_EVENTS);
  const escalation = await startEscalation(services, log, { config, silences, publishQueue: publisher.queue });
  return {
    outputs: [
      createRealtimeOutput(events, log),
      gatePublishing(createPublishGate(silences), publisher.output, log, () =>
        publisher.pipeline.catalog.list().some((target) => target.enabled),
      ),
      escalation.output,
    ],
    escalation,
    stop: () => escalation.stop(),
  };
}
