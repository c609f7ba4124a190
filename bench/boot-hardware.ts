/**
 * Issue 24 (real hardware), time to the ready line per NIC model and CPU count: the cells of `boot-test SPEC
 * --hardware all` (q35, -smp 2, one cell -smp 4, a watchdog), plus the virtio-net and e1000e cells at -smp 1 and 4,
 * side by side with today's direct boot (the matrix's bios-direct cell: q35, one CPU, e1000, no watchdog), N runs
 * with the order rotated each run. Per cell: the median `bootMs` (QEMU start to the ready or DEGRADED line), its
 * ratio to today's direct boot (goal <= 1.2x), and whether every check passed. Also the wall time of the whole
 * `--hardware all` set at --jobs 1 and --jobs 2 (what CI pays). Needs the image built (`lvs-image build SPEC`).
 * `--before DIR`: today's direct boot is the image published under DIR by the code before this work (main's
 * `make image`: its uniprocessor kernel with e1000 and virtio-net built in), not this build's own bios-direct cell.
 *
 *   node --import tsx bench/boot-hardware.ts [--runs 3] [--spec images/dsas-lv1.yaml] [--out DIR] [--before DIR]
 *     [--no-jobs]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOT_CELLS, type BootCell } from '../src/boot-test/cells.js';
import { HARDWARE_CHOICES } from '../src/boot-test/hardware-cells.js';
import type { BootTestResult } from '../src/boot-test/index.js';
import { runMatrix } from '../src/boot-test/matrix.js';
import { siteRoot } from '../src/layout.js';
import { loadSpec } from '../src/spec/load.js';
import { median } from './_lab-figures.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const RUNS = Math.min(Math.max(Number(flag('--runs', '3')) || 3, 1), 20);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = flag('--spec', path.join(REPO, 'images/dsas-lv1.yaml'));
const OUT = flag('--out', path.join(REPO, 'out'));
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const { spec } = await loadSpec(SPEC);
const hardware = HARDWARE_CHOICES.all?.() ?? [];
const today = BOOT_CELLS.find((c) => c.id === 'bios-direct');
if (today === undefined) throw new Error('no bios-direct cell');

/** A hardware cell at another -smp. */
const atSmp = (id: string, smp: number): BootCell[] => {
  const cell = hardware.find((c) => c.id === id);
  return cell?.hardware !== undefined && cell.hardware.smp !== smp
    ? [{ ...cell, id: `${id}-smp${smp}`, hardware: { ...cell.hardware, smp } }]
    : [];
};
const cells: BootCell[] = [
  today,
  ...hardware,
  ...atSmp('nic-virtio-net-pci', 1),
  ...atSmp('nic-virtio-net-pci', 2),
  ...atSmp('nic-e1000e', 1),
  ...atSmp('nic-e1000e', 4),
];

const BEFORE = argv.includes('--before') ? path.resolve(flag('--before', '')) : undefined;
const matrix = (list: readonly BootCell[], jobs = 1): Promise<BootTestResult[]> => {
  const outDir = BEFORE !== undefined && list.length === 1 && list[0] === today ? BEFORE : OUT;
  const at = siteRoot(outDir, spec.name);
  return runMatrix({
    spec,
    specFile: SPEC,
    root: at,
    outDir,
    cells: list,
    timeoutMs: 180_000,
    json: true,
    jobs,
  });
};

const times = new Map<string, number[]>();
const failed = new Map<string, Set<string>>();
const walls: Record<string, number[]> = { 'jobs 1': [], 'jobs 2': [] };
for (let run = 0; run < RUNS; run++) {
  const order = [...cells.slice(run % cells.length), ...cells.slice(0, run % cells.length)];
  // One cell at a time, so each boot has the machine to itself (as far as a shared machine allows).
  for (const cell of order)
    for (const r of await matrix([cell])) {
      if (r.bootMs !== undefined) times.set(r.via, [...(times.get(r.via) ?? []), r.bootMs / 1000]);
      const bad = r.checks.filter((c) => !c.ok).map((c) => c.name);
      failed.set(r.via, new Set([...(failed.get(r.via) ?? []), ...bad]));
    }
  if (!argv.includes('--no-jobs'))
    for (const jobs of run % 2 === 0 ? [1, 2] : [2, 1]) {
      const started = Date.now();
      await matrix(hardware, jobs);
      walls[`jobs ${jobs}`]?.push((Date.now() - started) / 1000);
    }
}

const base = times.get(today.id);
const baseMedian = base !== undefined && base.length > 0 ? median(base) : undefined;
out(`boot to ready of ${path.relative(REPO, SPEC)} per hardware cell, ${RUNS} runs, load ${load()}`);
out(`today direct: ${BEFORE !== undefined ? `the image under ${BEFORE}` : 'this image'}, bios-direct cell`);
out(
  '| cell | NICs (eth0, eth1) | -smp | median to ready | each run (s) | / today direct | goal <= 1.2x | checks failed |',
);
out('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const cell of cells) {
  const t = times.get(cell.id) ?? [];
  const m = t.length > 0 ? median(t) : undefined;
  const ratio = m !== undefined && baseMedian !== undefined ? m / baseMedian : undefined;
  const nics = cell.hardware?.nics.join(', ') ?? `${cell.nic.model} (both)`;
  const bad = [...(failed.get(cell.id) ?? [])];
  out(
    `| ${cell.id} | ${nics} | ${cell.hardware?.smp ?? 1} | ${m !== undefined ? `${m.toFixed(1)} s` : 'never ready'} | ${t.map((x) => x.toFixed(1)).join(' ')} | ${ratio !== undefined ? ratio.toFixed(2) : '-'} | ${cell === today || ratio === undefined ? '-' : ratio <= 1.2 ? 'met' : 'NOT met'} | ${bad.length > 0 ? bad.join(', ') : 'none'} |`,
  );
}
if (!argv.includes('--no-jobs')) {
  out('');
  out(`wall time of --hardware all (${hardware.length} cells, each run):`);
  for (const [k, v] of Object.entries(walls))
    out(
      `- ${k}: median ${v.length > 0 ? median(v).toFixed(1) : '-'} s (${v.map((x) => x.toFixed(1)).join(' ')})`,
    );
}
