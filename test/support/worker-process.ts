/** A batch worker in a process of its own, for crash tests: prints "owned <n>" once it owns shards. */
import { loadConfig } from '../../src/config.js';
import { openServices } from '../../src/services.js';
import { startWorker } from '../../src/worker.js';
import { silentLog, waitFor } from './harness.js';

const config = loadConfig();
const services = openServices(config, 'test-worker-process');
const worker = await startWorker(services, silentLog, { ownershipIntervalMs: 300 });
await waitFor(() => worker.ownership.ownedShards.length > 0);
process.stdout.write(`owned ${worker.ownership.ownedShards.length}\n`);
