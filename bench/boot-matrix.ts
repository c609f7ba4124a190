/**
 * Issue 14 (boot matrix), time to the ready line per cell: `lvs-image --json boot-test SPEC --firmware all --via all`
 * N times (root; the image must be built), per cell the median `bootMs` (QEMU start to the ready line) against the
 * direct kernel boot of the same firmware and against the BIOS iPXE path. Each run also boots the reference,
 * `boot-test SPEC --via pxe` (QEMU's iPXE ROM on QEMU's own user-mode DHCP and TFTP, no serve): cell `qemu-pxe`.
 * Goal: every network cell within 1.5x of that BIOS iPXE path.
 *
 *   node --import tsx bench/boot-matrix.ts [--runs 5] [--spec images/dsas-lv1.yaml] [--out DIR] [--firmware all]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './_lab-figures.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const RUNS = Math.min(Math.max(Number(flag('--runs', '5')) || 5, 1), 20);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = flag('--spec', 'images/dsas-lv1.yaml');
const OUT = flag('--out', path.join(REPO, 'out'));
const FIRMWARE = flag('--firmware', 'all');
const out = (s: string): boolean => process.stdout.write(`${s}\n`);

const times = new Map<string, number[]>();
const bootTest = (run: number, args: string[], rename: (via: string) => string): void => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'src/cli.ts'), '--json', 'boot-test', SPEC, ...args, '--out', OUT],
    { cwd: REPO, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 },
  );
  const json = JSON.parse(r.stdout || '{}') as { results?: { via: string; bootMs?: number; ok: boolean }[] };
  if (json.results === undefined)
    out(`run ${run + 1}: boot-test ${args.join(' ')} failed: ${(r.stdout + r.stderr).slice(0, 2000)}`);
  for (const x of json.results ?? [])
    if (x.ok && x.bootMs !== undefined) {
      const cell = rename(x.via);
      times.set(cell, [...(times.get(cell) ?? []), x.bootMs / 1000]);
    }
};
for (let run = 0; run < RUNS; run++) {
  bootTest(run, ['--firmware', FIRMWARE, '--via', 'all'], (via) => via);
  bootTest(run, ['--via', 'pxe'], () => 'qemu-pxe');
}

const med = (cell: string): number | undefined => {
  const t = times.get(cell);
  return t !== undefined && t.length > 0 ? median(t) : undefined;
};
const ipxe = med('qemu-pxe');
out(
  `boot matrix of ${SPEC}, ${RUNS} runs, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
out(
  '| cell | median to ready | each run (s) | / direct (same firmware) | / qemu-pxe | goal <= 1.5x qemu-pxe |',
);
out('| --- | --- | --- | --- | --- | --- |');
for (const [cell, t] of times) {
  const m = median(t);
  const direct = med(cell.startsWith('uefi') ? 'uefi-direct' : 'bios-direct');
  const network = !cell.endsWith('-direct') && cell !== 'qemu-pxe';
  out(
    `| ${cell} | ${m.toFixed(1)} s | ${t.map((x) => x.toFixed(1)).join(' ')} | ${direct !== undefined ? (m / direct).toFixed(2) : '-'} | ${ipxe !== undefined ? (m / ipxe).toFixed(2) : '-'} | ${network && ipxe !== undefined ? (m <= 1.5 * ipxe ? 'met' : 'NOT met') : '-'} |`,
  );
}
