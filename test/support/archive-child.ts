/**
 * An archive run in a process of its own, for crash tests: archives ARCHIVE_TEST_DAY and, on
 * reaching stage ARCHIVE_TEST_STOP_AT, prints "stage <name>" and hangs until it is killed.
 */
import pino from 'pino';
import { Archiver } from '../../src/archive/archiver.js';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';

const config = loadConfig();
const services = openServices(config, 'test-archive-child');
const archiver = new Archiver(
  { database: services.database, client: services.elasticsearch, log: pino({ level: 'silent' }) },
  config.archive.archiver,
);
await archiver.run({
  days: [new Date(String(process.env.ARCHIVE_TEST_DAY))],
  waitForLockMs: 60_000,
  onStage: async (stage) => {
    if (stage !== process.env.ARCHIVE_TEST_STOP_AT) return;
    process.stdout.write(`stage ${stage}\n`);
    await new Promise(() => {});
  },
});
process.stdout.write('finished\n');
await services.close();
