/**
 * `npm run loadtest:profile -- <dir|file.cpuprofile> [--top 30]`: self-time hot spots of a
 * `node --cpu-prof` profile, with dist/ positions mapped back to src/ file:line via source maps,
 * totals per source file and per npm package, and the total time (self + callees) of the
 * project's own functions. Shares are of the busy samples: idle time is left out.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const maps = new Map<string, TraceMap | null>();

function mapFor(path: string): TraceMap | null {
  if (!maps.has(path)) {
    const file = `${path}.map`;
    maps.set(path, existsSync(file) ? new TraceMap(readFileSync(file, 'utf8')) : null);
  }
  return maps.get(path) ?? null;
}

/** `src/x.ts:line` for compiled project code, the package name for dependencies, else the URL. */
function locate(frame: ProfileNode['callFrame']): { where: string; file: string } {
  if (!frame.url) return { where: `(${frame.functionName || 'native'})`, file: '(native/gc)' };
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg)
    return { where: `${pkg[1]}:${path.split('node_modules/').at(-1)}:${frame.lineNumber + 1}`, file: `npm:${pkg[1]}` };
  const map = path.endsWith('.js') ? mapFor(path) : null;
  if (map) {
    const original = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber });
    if (original.source) {
      const source = fileURLToPath(new URL(original.source, `file://${path}`)).replace(ROOT, '');
      return { where: `${source}:${original.line}`, file: source };
    }
  }
  const relative = path.replace(ROOT, '');
  return { where: `${relative}:${frame.lineNumber + 1}`, file: relative };
}

function profilesIn(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => `${target}/${name}`);
}

/**
 * Samples spent in each src/ function or below it. A function on the stack twice (recursion)
 * counts once per sample.
 */
function projectTotals(nodes: ProfileNode[]): Map<string, number> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  const names = new Map<number, string | null>();
  const nameOf = (node: ProfileNode) => {
    if (!names.has(node.id)) {
      const { where } = locate(node.callFrame);
      names.set(node.id, where.startsWith('src/') ? `${node.callFrame.functionName || '(anonymous)'}  ${where}` : null);
    }
    return names.get(node.id) ?? null;
  };
  const visit = (node: ProfileNode, onStack: string[]): number => {
    const name = nameOf(node);
    const fresh = name !== null && !onStack.includes(name);
    if (fresh) onStack.push(name);
    let hits = node.hitCount ?? 0;
    for (const child of node.children ?? []) hits += visit(byId.get(child) as ProfileNode, onStack);
    if (fresh) {
      onStack.pop();
      totals.set(name, (totals.get(name) ?? 0) + hits);
    }
    return hits;
  };
  const root = nodes[0];
  if (root) visit(root, []);
  return totals;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' } },
  });
  const target = positionals[0];
  if (!target) {
    console.error('usage: npm run loadtest:profile -- <dir|file.cpuprofile> [--top 30]');
    return 2;
  }
  const top = Number(values.top);
  for (const file of profilesIn(target)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
    const idle = profile.nodes.find((node) => node.callFrame.functionName === '(idle)')?.hitCount ?? 0;
    const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) - idle;
    const byFunction = new Map<string, number>();
    const byFile = new Map<string, number>();
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
      const { where, file: owner } = locate(node.callFrame);
      const name = `${node.callFrame.functionName || '(anonymous)'}  ${where}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
      byFile.set(owner, (byFile.get(owner) ?? 0) + hits);
    }
    const pct = (hits: number) => `${((hits / totalHits) * 100).toFixed(1).padStart(5)}%`;
    const print = (title: string, entries: Map<string, number>) => {
      console.log(`\n${title}`);
      for (const [name, hits] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top))
        console.log(`${pct(hits)}  ${name}`);
    };
    console.log(`\n== ${file} (${totalHits} busy samples, ${idle} idle)`);
    print('self time by function', byFunction);
    print('self time by source file / package', byFile);
    print('total time (self + callees) of project functions', projectTotals(profile.nodes));
  }
  return 0;
}

process.exit(main());
