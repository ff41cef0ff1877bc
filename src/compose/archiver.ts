/** The archive role: the archiver over this process's stores, on its schedule or once. */
import type { Logger } from 'pino';
import { Archiver } from '../archive/archiver.js';
import { runArchiveOnce, startArchiveScheduler } from '../archive/scheduler.js';
import { type Component, startComponent } from '../component.js';
import { assertSchemaCurrent } from '../store/db.js';
import type { Services } from './services.js';

function archiverOf(services: Services, log: Logger): Archiver {
  return new Archiver(
    { database: services.database, client: services.elasticsearch, log: log.child({ component: 'archiver' }) },
    services.config.archive.archiver,
  );
}

/** `alertgate archive`: moves aged partitions to Elasticsearch every ARCHIVE_INTERVAL_MINUTES. */
export function startArchiverRole(services: Services, log: Logger): Promise<Component> {
  return startComponent(async (scope) => {
    await assertSchemaCurrent(services.database.sql);
    scope.own(await startArchiveScheduler(archiverOf(services, log), services.config.archive.intervalMs, log));
    return {};
  });
}

/** `alertgate archive --once`: one run; the exit code says whether every day was archived. */
export async function archiveOnce(services: Services, log: Logger): Promise<number> {
  await assertSchemaCurrent(services.database.sql);
  return runArchiveOnce(archiverOf(services, log), log);
}
