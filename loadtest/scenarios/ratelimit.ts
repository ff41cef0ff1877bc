/** One provider far over its token bucket while the others stay within theirs. */
import { writeFile } from 'node:fs/promises';
import { DEFAULT_MIX } from '../generator/providers/index.js';
import { LoadTally } from '../lib/load.js';
import { BYTES_PER_SECOND_600GB_DAY, meanBodyBytes, measure } from '../lib/measure.js';
import type { TargetCheck } from '../lib/report.js';
import { generatorFor, type Scenario } from './scenario.js';

export const ratelimit: Scenario = {
  name: 'ratelimit',
  describe:
    'the realistic mix without --hot-provider alone for --duration/2 s, then with --hot-provider at --hot-overload × its bucket alongside',
  gatewayEnv: async (options, workDir) => {
    const file = `${workDir}/rate-limits.json`;
    await writeFile(file, JSON.stringify({ providers: { [options.hotProvider]: options.hotBucket } }));
    return { RATE_LIMITS_FILE: file };
  },
  async run({ target, options, log }) {
    const { [options.hotProvider]: _hot, ...calmMix } = DEFAULT_MIX;
    const calm = () => generatorFor(options, { mix: calmMix });
    const calmRate = (BYTES_PER_SECOND_600GB_DAY * options.rate) / meanBodyBytes(calm);
    const hotRate = options.hotBucket.refillPerSecond * options.hotOverload;
    const seconds = options.duration / 2;
    const calmPhase = { rate: calmRate, seconds, connections: options.connections };
    log(
      `ratelimit: others at ${Math.round(calmRate)} requests/s; then ${options.hotProvider} at ${hotRate} requests/s`,
    );

    const alone = await measure(target, { label: 'others alone', generator: calm(), phases: [calmPhase] });
    // The hot load posts with one key (tenant 0, key 0): the bucket is per key and provider.
    const hotTally = new LoadTally();
    const together = await measure(target, {
      label: `others with ${options.hotProvider} at ${options.hotOverload}× its bucket`,
      generator: calm(),
      phases: [calmPhase],
      alongside: [
        {
          generator: generatorFor(options, {
            mix: { [options.hotProvider]: 1 },
            tenants: 1,
            keysPerTenant: 1,
            seed: options.seed + 1,
          }),
          phases: [{ rate: hotRate, seconds, connections: Math.min(20, options.connections) }],
          tally: hotTally,
        },
      ],
    });

    const calmTally = together.tally;
    const before = alone.figures.acceptLatencyMs.p99;
    const after = calmTally.latency('accepted').p99;
    const allowed = Math.max(before * 1.5, before + 10);
    const { capacity, refillPerSecond } = options.hotBucket;
    const admittable = capacity + refillPerSecond * together.figures.seconds;
    const checks: TargetCheck[] = [
      {
        name: `${options.hotProvider} gets 429 + Retry-After`,
        ok: hotTally.rejectedRequests > 0 && hotTally.rejectedWithoutRetryAfter === 0,
        detail: `${hotTally.rejectedRequests} of ${hotTally.sentRequests} rejected (bucket admits ≈ ${Math.round(admittable)}), ${hotTally.rejectedWithoutRetryAfter} without Retry-After`,
      },
      {
        name: `${options.hotProvider} admitted within its bucket`,
        ok: hotTally.acceptedRequests <= admittable * 1.1,
        detail: `${hotTally.acceptedRequests} accepted ≤ ${Math.round(admittable * 1.1)}`,
      },
      {
        name: 'the other providers are not limited',
        ok: calmTally.rejectedRequests === 0 && alone.tally.rejectedRequests === 0,
        detail: `${calmTally.rejectedRequests + alone.tally.rejectedRequests} rejected`,
      },
      {
        name: 'the other providers keep their latency',
        ok: after <= allowed && after <= options.p99BoundMs,
        detail: `p99 ${before} ms alone → ${after} ms alongside (allowed ${Math.round(allowed)} ms, bound ${options.p99BoundMs} ms)`,
      },
    ];
    for (const run of [alone.figures, together.figures]) {
      if (run.verification) {
        checks.push({
          name: `nothing lost (${run.label})`,
          ok: run.verification.ok,
          detail: run.verification.ok ? 'stored + duplicates + rejected = sent' : run.verification.problems.join('; '),
        });
      }
    }
    return {
      runs: [alone.figures, together.figures],
      summary: {
        calmP99AloneMs: before,
        calmP99AlongsideMs: after,
        hotRejected: hotTally.rejectedRequests,
        hotAccepted: hotTally.acceptedRequests,
        hotP99Ms: hotTally.latency('all').p99,
        verified: [alone.figures, together.figures].every((run) => run.verification?.ok ?? true),
      },
      checks,
    };
  },
};
