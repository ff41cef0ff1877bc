import type { Logger } from 'pino';
import type { Services } from '../services.js';
import { Archiver, archiverOptions, type RunResult } from './archiver.js';

/** The running archive role: `stop` aborts a run in progress (its day stays in PostgreSQL) and waits for it. */
export interface ArchiveScheduler {
  archiver: Archiver;
  stop(): Promise<void>;
}

/** Milliseconds until the next wall-clock multiple of the interval, so restarts do not postpone runs. */
export function delayToNextRun(intervalMs: number, now = Date.now()): number {
  return intervalMs - (now % intervalMs);
}

function archiverFor(services: Services, log: Logger): Archiver {
  return new Archiver(
    { database: services.database, client: services.elasticsearch, log: log.child({ component: 'archiver' }) },
    archiverOptions(services.config),
  );
}

function summarize(result: RunResult) {
  return {
    archived: result.days.filter((day) => day.status === 'dropped').map((day) => day.day),
    failed: result.days.filter((day) => day.status === 'failed').map((day) => ({ day: day.day, error: day.error })),
    deletedIndices: result.deletedIndices.length,
    watermark: result.watermark?.toISOString() ?? null,
  };
}

/**
 * Starts the archive loop: templates are applied at start (retried by each run if Elasticsearch is
 * down), then a run every ARCHIVE_INTERVAL_MINUTES on the wall clock. Processes running it in
 * parallel are fine: the advisory lock lets one run at a time and the others skip.
 */
export async function startArchiveScheduler(services: Services, log: Logger): Promise<ArchiveScheduler> {
  const archiver = archiverFor(services, log);
  const intervalMs = services.config.ARCHIVE_INTERVAL_MINUTES * 60_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  // Not awaited: a slow Elasticsearch must not hold up the other roles of the process.
  archiver.bootstrap.ensure().catch((error: unknown) => {
    log.warn({ err: error }, 'archive templates not applied yet (Elasticsearch unavailable); the next run retries');
  });

  const schedule = () => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      running = archiver
        .run({ signal: controller.signal })
        .then((result) => {
          if (result.ran) log.info(summarize(result), 'archive run finished');
        })
        .catch((error: unknown) => log.error({ err: error }, 'archive run failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, delayToNextRun(intervalMs));
  };
  schedule();
  log.info({ nextRunInMs: delayToNextRun(intervalMs) }, 'archiver scheduled');

  let stopped: Promise<void> | undefined;
  return {
    archiver,
    stop: () => {
      stopped ??= (async () => {
        controller.abort();
        clearTimeout(timer);
        await running;
      })();
      return stopped;
    },
  };
}

/** `alertgate archive --once`: one run (waiting for a run elsewhere to finish); exit 1 if a day failed. */
export async function runArchiveOnce(services: Services, log: Logger): Promise<number> {
  const result = await archiverFor(services, log).run({ waitForLockMs: 10 * 60_000 });
  log.info({ ran: result.ran, ...summarize(result) }, 'archive run finished');
  if (!result.ran) return 1;
  return result.days.some((day) => day.status === 'failed') ? 1 : 0;
}
