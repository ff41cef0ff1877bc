/**
 * Dedup stage in memory, no services needed: content hashes/s, dedup decisions/s (1,000 per
 * batch, 60% duplicates) with a cache holding every fingerprint and with one holding a tenth of
 * them, bloom memory and observed false-positive rate. `npm run bench:dedup`.
 */
import { randomUUID } from 'node:crypto';
import { measureDedupInMemory } from './lib/dedup-micro.js';

const figures = await measureDedupInMemory(`bench-${randomUUID()}`);
console.table({
  'content hash (alerts)': { figure: figures.hashesPerSecond },
  'dedup decisions (1,000 per batch)': { figure: figures.decisionsPerSecond },
  'dedup decisions, cache of a tenth of the fingerprints': { figure: figures.decisionsPerSecondSmallCache },
  'bloom memory per shard (1,000,000 capacity)': { figure: `${figures.bloomMemoryMiB} MiB` },
  'bloom false positives at 50% fill (target 1%)': { figure: `${figures.bloomFalsePositivePercent}%` },
});
console.log('target: ≥ 1,000,000 dedup decisions/s in memory');
