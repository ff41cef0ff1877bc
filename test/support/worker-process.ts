/**
 * A batch worker in a process of its own, for crash tests: prints "owned <n>" once it owns shards.
 * With STOP_AFTER_COMMIT=1 its only after-commit output prints "committed <alerts>" and never
 * returns, so the process sits between a batch's commit and its outputs (publish enqueue, stream
 * trim) until the test kills it.
 */

import { openServices } from '../../src/compose/services.js';
import { startBatchWorker } from '../../src/compose/worker.js';
import { loadConfig } from '../../src/config.js';
import type { CommitOutput } from '../../src/pipeline/committed-batch.js';
import { silentLog, waitFor } from './harness.js';

const stopAfterCommit: CommitOutput = {
  name: 'stop-after-commit',
  run: (batch) => {
    process.stdout.write(`committed ${batch.alerts.length}\n`);
    return new Promise(() => {});
  },
};

const config = loadConfig();
const services = openServices(config, 'test-worker-process');
const outputs = process.env.STOP_AFTER_COMMIT === '1' ? [stopAfterCommit] : [];
const worker = await startBatchWorker(services, silentLog, { ownershipIntervalMs: 300, outputs });
await waitFor(() => worker.ownership.ownedShards.length > 0);
process.stdout.write(`owned ${worker.ownership.ownedShards.length}\n`);
