/**
 * Warm rebuild after changing one real server's weight (issue 5 goal: under 3 s end to end, no kernel or
 * ipvsadm rebuild). Copies images/dsas-lv1.yaml to a temporary folder, builds once to warm the cache, then
 * times 5 whole-process `lvs-image build` runs, each after a weight change, and prints the median.
 * `node --import tsx bench/rebuild.ts OTHER.yaml` measures another spec (its lock file is copied when present).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { lockFileFor } from '../src/stages/lock.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_S = 3;
const RUNS = 5;
// NOTE: times the installed CLI (bin/lvs-image.js → dist/, compiled by `npm ci` / `make build`), as a user runs it.
const CLI = path.join(ROOT, 'bin/lvs-image.js');
if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
  throw new Error('dist/cli.js is missing: run `make build` (or `npm ci`) first; `make bench` does it');
}

interface Summary {
  timings: Record<string, number>;
  kernel: { release: string } | null;
}

function build(spec: string, out: string): { seconds: number; summary: Summary } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, '--json', 'build', spec, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 30 * 60_000,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`build failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { seconds, summary: JSON.parse(r.stdout) as Summary };
}

function setWeight(spec: string, weight: number): void {
  const doc = parseDocument(readFileSync(spec, 'utf8'));
  doc.setIn(['directors', 0, 'services', 0, 'realServers', 1, 'weight'], weight);
  writeFileSync(spec, doc.toString());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const dir = mkdtempSync(path.join(tmpdir(), 'lvs-bench-rebuild-'));
try {
  const source = path.resolve(process.argv[2] ?? path.join(ROOT, 'images/dsas-lv1.yaml'));
  const spec = path.join(dir, path.basename(source));
  copyFileSync(source, spec);
  if (existsSync(lockFileFor(source))) copyFileSync(lockFileFor(source), lockFileFor(spec));
  process.stdout.write(`spec: ${source.startsWith(ROOT) ? path.relative(ROOT, source) : source}\n`);
  const out = path.join(dir, 'out');
  const warm = build(spec, out);
  process.stdout.write(
    `warm-up build: ${warm.seconds.toFixed(1)} s (kernel ${warm.summary.kernel?.release ?? '?'})\n`,
  );
  const runs: { seconds: number; summary: Summary }[] = [];
  for (let i = 0; i < RUNS; i++) {
    setWeight(spec, 2 + i);
    runs.push(build(spec, out));
  }
  const wall = median(runs.map((r) => r.seconds));
  const steps = Object.keys(runs[0]?.summary.timings ?? {}).filter((k) => k !== 'total');
  const perStep = steps.map((k) => `${k} ${median(runs.map((r) => r.summary.timings[k] ?? 0))}`).join(', ');
  const startup = median(
    [0, 1, 2].map(() => {
      const t0 = performance.now();
      spawnSync(process.execPath, [CLI, 'build', '--help'], {
        cwd: ROOT,
      });
      return (performance.now() - t0) / 1000;
    }),
  );
  process.stdout.write(
    `CLI start-up floor (build --help, same loader): ${startup.toFixed(2)} s median of 3\n`,
  );
  const inProcess = median(runs.map((r) => r.summary.timings.total ?? 0)) / 1000;
  process.stdout.write(`per step, median ms: ${perStep}\n`);
  process.stdout.write(`build steps alone (no Node/tsx start-up): ${inProcess.toFixed(2)} s median\n`);
  process.stdout.write(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores\n`,
  );
  process.stdout.write(
    `warm rebuild after a weight change: ${wall.toFixed(2)} s median of ${RUNS} whole-process runs ` +
      `(goal < ${GOAL_S} s: ${(wall / GOAL_S).toFixed(2)}x of the goal, ${wall < GOAL_S ? 'met' : 'NOT met'})\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
