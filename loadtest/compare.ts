/**
 * `npm run loadtest:compare [-- --result <file>] [--tolerance 0.25] [--update]`: compares the newest
 * result in loadtest/results/ (or the given one) with loadtest/baseline.json and exits 1 on a
 * regression beyond the tolerance; `--update` accepts the result's figures as the new baseline.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compareFigure, type Figure } from './lib/compare-figures.js';
import { printTable, type RunResult, resultFiles } from './lib/report.js';

const BASELINE = new URL('./baseline.json', import.meta.url).pathname;

interface Baseline {
  /** Allowed relative change in the bad direction before a figure counts as a regression. */
  tolerance: number;
  /** Per scenario: the accepted summary, where it was measured, and when. */
  scenarios: Record<
    string,
    { acceptedAt: string; machine: RunResult['machine']; load?: Load; summary: Record<string, Figure> }
  >;
}

/** The load shape a result was measured under: only results of the same shape are comparable. */
type Load = { rate: unknown; duration: unknown; connections: unknown };

function loadOf(result: RunResult): Load {
  const { rate, duration, connections } = result.options;
  return { rate, duration, connections };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { result: { type: 'string' }, tolerance: { type: 'string' }, update: { type: 'boolean', default: false } },
  });
  const file = values.result ?? (await resultFiles())[0];
  if (!file) {
    console.error('no results in loadtest/results/: run `npm run loadtest -- --scenario steady` first');
    return 2;
  }
  const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
  const baseline = JSON.parse(await readFile(BASELINE, 'utf8')) as Baseline;
  if (values.update) {
    baseline.scenarios[result.scenario] = {
      acceptedAt: result.startedAt,
      machine: result.machine,
      load: loadOf(result),
      summary: result.summary,
    };
    await writeFile(BASELINE, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`baseline for ${result.scenario} updated from ${file}`);
    return 0;
  }
  const entry = baseline.scenarios[result.scenario];
  if (!entry) {
    console.error(`loadtest/baseline.json has no "${result.scenario}" entry; accept one with --update`);
    return 2;
  }
  if (entry.load && JSON.stringify(entry.load) !== JSON.stringify(loadOf(result))) {
    console.error(
      `${file} ran ${JSON.stringify(loadOf(result))}, the baseline ${JSON.stringify(entry.load)}: not comparable`,
    );
    return 2;
  }
  const tolerance = Number(values.tolerance ?? baseline.tolerance);
  const rows: [string, string][] = [];
  let regressions = 0;
  for (const [key, base] of Object.entries(entry.summary)) {
    const now = result.summary[key] ?? null;
    const verdict = compareFigure(key, base, now, tolerance);
    if (verdict === 'regressed') regressions++;
    rows.push([
      key,
      `${String(base).padStart(10)} → ${String(now).padEnd(10)} ${verdict === 'regressed' ? 'REGRESSED' : verdict}`,
    ]);
  }
  printTable(`${result.scenario}: ${file} vs baseline of ${entry.acceptedAt} (tolerance ${tolerance * 100}%)`, rows);
  console.log(regressions === 0 ? '\nno regression' : `\n${regressions} regression(s)`);
  return regressions === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`loadtest:compare: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
