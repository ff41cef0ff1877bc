import type { AlertKey } from '../../src/alert/alert-key.js';
import { contentHash } from '../../src/alert/content-hash.js';
import { type DedupCandidate, DedupState } from '../../src/alert/dedup.js';
import { makeBenchAlerts, ratePerSecond } from './bench-alerts.js';

/** "N/s (M per CPU-second)": the second is what one undisturbed core gives, still telling when other processes share the machine. */
export interface DedupMicroFigures {
  hashesPerSecond: string;
  decisionsPerSecond: string;
  /** With a cache of a tenth of the fingerprints: misses go through the bloom filter. */
  decisionsPerSecondSmallCache: string;
  bloomMemoryMiB: string;
  bloomFalsePositivePercent: string;
}

const BLOOM = { bloomCapacity: 1_000_000, bloomErrorRate: 0.01 };

/**
 * In memory, without I/O: content hashing and dedup decisions over `count` alerts (60% repeated
 * content), each the best of `rounds` passes after a first one has compiled the hot paths, as a
 * long-running worker has long done; then the bloom filter's memory and its observed
 * false-positive rate at half its capacity.
 */
export async function measureDedupInMemory(tenant: string, count = 200_000, rounds = 3): Promise<DedupMicroFigures> {
  const sample = makeBenchAlerts(tenant, count, 0.6);
  const hashAll = () => sample.map((alert) => contentHash(alert));
  const hashes = hashAll();
  const hashTime = await bestOf(rounds, async () => {
    hashAll();
  });

  const candidates: DedupCandidate[] = sample.map((alert, i) => ({
    tenant,
    fingerprint: alert.fingerprint,
    contentHash: hashes[i] as string,
    fullDeduplication: true,
  }));
  const decideTime = async (cacheSize: number) => {
    await decideAll(candidates, cacheSize);
    let best = await decideAll(candidates, cacheSize);
    for (let round = 1; round < rounds; round++) best = fastest(best, await decideAll(candidates, cacheSize));
    return best;
  };
  const distinct = new Set(sample.map((alert) => alert.fingerprint)).size;

  // Bloom false positives: fill a fresh filter to half its capacity, probe keys never added.
  const bloom = new DedupState({ ...BLOOM, cacheSize: 0 });
  for (let i = 0; i < 500_000; i++) bloom.remember(tenant, `fill-${i}`, `h${i}`);
  const probes = Array.from({ length: 100_000 }, (_, i) => ({
    tenant,
    fingerprint: `probe-${i}`,
    contentHash: `p${i}`,
    fullDeduplication: true,
  }));
  let lookedUp = 0;
  await bloom.decide(probes, async (keys) => {
    lookedUp = keys.length;
    return new Map();
  });

  return {
    hashesPerSecond: rates(sample.length, hashTime),
    decisionsPerSecond: rates(candidates.length, await decideTime(200_000)),
    decisionsPerSecondSmallCache: rates(candidates.length, await decideTime(Math.round(distinct / 10))),
    bloomMemoryMiB: (bloom.stats().bloomMemoryBytes / 1024 / 1024).toFixed(2),
    bloomFalsePositivePercent: ((lookedUp / probes.length) * 100).toFixed(3),
  };
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Wall-clock and CPU time (all threads of this process, GC included) of `run`. */
async function timed(run: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const begun = performance.now();
  await run();
  const wallMs = performance.now() - begun;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** Each time at its best: slower runs lost time to the machine's other work. */
function fastest(a: Timing, b: Timing): Timing {
  return { wallMs: Math.min(a.wallMs, b.wallMs), cpuMs: Math.min(a.cpuMs, b.cpuMs) };
}

async function bestOf(rounds: number, run: () => Promise<void>): Promise<Timing> {
  let best = await timed(run);
  for (let round = 1; round < rounds; round++) best = fastest(best, await timed(run));
  return best;
}

function rates(count: number, timing: Timing): string {
  return `${ratePerSecond(count, timing.wallMs)}/s (${ratePerSecond(count, timing.cpuMs)} per CPU-second)`;
}

/**
 * Decides every candidate, 1,000 per batch, on a fresh shard state, remembering what would be
 * stored; its timing. The candidates are fresh copies, as a worker parses each job anew:
 * strings reused from an earlier pass would carry their computed hash codes.
 */
async function decideAll(candidates: readonly DedupCandidate[], cacheSize: number): Promise<Timing> {
  const fresh: DedupCandidate[] = JSON.parse(JSON.stringify(candidates));
  const state = new DedupState({ ...BLOOM, cacheSize });
  const noStore = async () => new Map<AlertKey, string>();
  return timed(async () => {
    for (let i = 0; i < fresh.length; i += 1000) {
      const batch = fresh.slice(i, i + 1000);
      const decisions = await state.decide(batch, noStore);
      for (let j = 0; j < batch.length; j++) {
        const candidate = batch[j] as DedupCandidate;
        if (decisions[j] !== 'duplicate')
          state.remember(candidate.tenant, candidate.fingerprint, candidate.contentHash);
      }
    }
  });
}
