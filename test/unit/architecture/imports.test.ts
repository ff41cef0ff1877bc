/**
 * The import rules of src/, checked on its import graph (type-only imports included): no import
 * cycles, and src/http/ imported only from src/http/ and the composition layer, src/compose/.
 */
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

async function importGraph(): Promise<ICruiseResult> {
  const { output } = await cruise(['src'], {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    validate: true,
    ruleSet: {
      forbidden: [
        { name: 'cycle', severity: 'error', from: {}, to: { circular: true } },
        {
          name: 'http-outside-composition',
          severity: 'error',
          from: { pathNot: '^src/(http|compose)/' },
          to: { path: '^src/http/' },
        },
      ],
    },
  });
  if (typeof output === 'string') throw new Error('dependency-cruiser answered with text, not a result');
  return output;
}

/** A cycle as the modules it passes, starting from the one the violation names. */
function cycleOf(violation: IViolation): string {
  return [violation.from, ...(violation.cycle ?? []).map((step) => step.name)].join(' -> ');
}

describe('imports of src/', () => {
  let violations: (rule: string) => IViolation[];
  let cycles: string[];
  beforeAll(async () => {
    const { summary } = await importGraph();
    violations = (rule) => summary.violations.filter((violation) => violation.rule.name === rule);
    cycles = [...new Set(violations('cycle').map(cycleOf))];
  });

  it('holds no import cycle', () => {
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('imports src/http/ only from src/http/ and src/compose/', () => {
    const offending = violations('http-outside-composition').map(({ from, to }) => `${from} -> ${to}`);
    expect(offending, `imports of src/http/ from outside it:\n${offending.join('\n')}`).toEqual([]);
  });
});
