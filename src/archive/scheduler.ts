import type { Logger } from 'pino';
import { type Component, startComponent } from '../component.js';
import type { Archiver, RunResult } from './archiver.js';

/** Milliseconds until the next wall-clock multiple of the interval, so restarts do not postpone runs. */
export function delayToNextRun(intervalMs: number, now = Date.now()): number {
  return intervalMs - (now % intervalMs);
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
 * down), then a run every `intervalMs` on the wall clock. Processes running it in parallel are
 * fine: the advisory lock lets one run at a time and the others skip. Stop aborts a run in progress
 * (its day stays in PostgreSQL) and waits for it.
 */
export function startArchiveScheduler(archiver: Archiver, intervalMs: number, log: Logger): Promise<Component> {
  return startComponent((scope) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    scope.onStop(async () => {
      controller.abort();
      clearTimeout(timer);
      await running;
    });

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
    return {};
  });
}

/** `alertgate archive --once`: one run (waiting for a run elsewhere to finish); exit 1 if a day failed. */
export async function runArchiveOnce(archiver: Archiver, log: Logger): Promise<number> {
  const result = await archiver.run({ waitForLockMs: 10 * 60_000 });
  log.info({ ran: result.ran, ...summarize(result) }, 'archive run finished');
  if (!result.ran) return 1;
  return result.days.some((day) => day.status === 'failed') ? 1 : 0;
}
