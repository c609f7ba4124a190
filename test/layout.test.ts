/**
 * The shape of src/ the house style asks for, checked on the real tree: no file over 300 lines (generated data
 * aside), no import circle, and render's views stay inside render (every other consumer reads the director model).
 */
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './_helpers/cli.js';

const SRC = path.join(ROOT, 'src');
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

const FILES = sourceFiles(SRC);
const rel = (file: string): string => path.relative(SRC, file);

/** The src/ files `file` imports (relative specifiers only; `import type` counts too: it is a dependency). */
export function localImports(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

const GRAPH = new Map(FILES.map((f) => [f, localImports(f, readFileSync(f, 'utf8'))]));

/** One import circle as a list of files, or undefined (depth-first search with colours). */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | undefined => {
    if (state.get(f) === 'done') return undefined;
    if (state.get(f) === 'open') return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      const cycle = visit(g);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(f, 'done');
    return undefined;
  };
  for (const f of graph.keys()) {
    const cycle = visit(f);
    if (cycle) return cycle;
  }
  return undefined;
}

test('no file in src/ is over 300 lines', (t) => {
  const long = FILES.map((f) => ({ f: rel(f), n: readFileSync(f, 'utf8').split('\n').length - 1 })).filter(
    (x) => x.n > MAX_LINES,
  );
  t.deepEqual(long, [], 'split these modules');
});

test('src/ has no import circle', (t) => {
  const cycle = findCycle(GRAPH);
  t.is(cycle?.map(rel).join(' -> '), undefined);
});

test('the cycle finder finds a circle and its files', (t) => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  t.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
  t.is(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    undefined,
  );
  t.deepEqual(localImports('/src/x/y.ts', "import type { A } from '../a.js';\nexport * from './b.js';\n"), [
    '/src/a.ts',
    '/src/x/b.ts',
  ]);
});

test("nothing outside src/stages/render/ imports render's views", (t) => {
  const render = path.join(SRC, 'stages/render');
  const outside = [...GRAPH]
    .filter(([f]) => !f.startsWith(render + path.sep) && f !== path.join(SRC, 'stages/render.ts'))
    .flatMap(([f, deps]) =>
      deps.filter((d) => d.startsWith(render + path.sep)).map((d) => `${rel(f)} -> ${rel(d)}`),
    );
  t.deepEqual(outside, []);
});
