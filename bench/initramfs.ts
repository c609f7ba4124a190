/**
 * Initrd size, initrd-stage time and pack time, each against its peer measured side by side in this one run
 * (issue 5 goals: size <= 1/10 of `mkinitramfs` MODULES=netboot, stage time <= 1/5 of it, pack time <= 1.0x
 * of `find . | LC_ALL=C sort | cpio -o -H newc | pigz -6` on the same staging tree). Median of 5, runs
 * interleaved so that load from other processes hits both sides alike. Inputs: Debian's kernel and modules
 * (/vmlinuz, /lib/modules/<release>), busybox-static, the static ipvsadm 1.31 the tests use (test/_helpers/ipvsadm.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RootfsEntry } from '../src/lib/cpio.js';
import { packInitramfs, type Compression } from '../src/stages/initramfs.js';
import { assembleRootfs } from '../src/stages/rootfs.js';
import {
  DEBIAN_CONFIG,
  DEBIAN_MODULES,
  DEBIAN_RELEASE,
  DEBIAN_VMLINUZ,
} from '../test/_helpers/debian-kernel.js';
import { provideTestIpvsadm } from '../test/_helpers/ipvsadm.js';
import { mkinitramfsNetboot } from './_mkinitramfs.js';

const RUNS = 5;
const IPVSADM = await provideTestIpvsadm();
if (DEBIAN_RELEASE === '' || !existsSync(DEBIAN_VMLINUZ) || !existsSync(DEBIAN_MODULES))
  throw new Error("bench/initramfs.ts needs Debian's kernel: /vmlinuz and its /lib/modules folder");
const release = DEBIAN_RELEASE;
const config = readFileSync(DEBIAN_CONFIG, 'utf8');
// A stand-in /init the size of a real one; its content does not change the figures.
const INIT = `#!/bin/sh\n${'# director init\n'.repeat(200)}`;
const work = mkdtempSync(path.join(tmpdir(), 'lvs-bench-initramfs-'));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  return [fn(), performance.now() - t];
}
async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  return [await fn(), performance.now() - t];
}

function sh(script: string, cwd = work): void {
  const r = spawnSync('sh', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${script}: status ${r.status}\n${r.stderr.toString()}`);
}

async function stage(
  modules: string[],
  compression: Compression = 'gzip',
): Promise<{ ms: number; bytes: number; entries: RootfsEntry[] }> {
  const out = path.join(work, `ours-${modules.length}-${compression}.img`);
  const [entries, ms] = await timeAsync(async () => {
    const e = await assembleRootfs({
      hostname: 'lv1',
      rendered: [{ path: '/init', mode: 0o755, content: INIT }],
      ipvsadm: {
        version: '1.31',
        binary: IPVSADM,
        ipvsVersionCode: 0x010201,
        versionLine: '',
        libraries: [],
      },
      kernel: {
        release,
        image: DEBIAN_VMLINUZ,
        modulesRoot: '/',
        config: DEBIAN_CONFIG,
        ipvsVersionCode: 0x010201,
        sourceSha256: '',
        origin: 'debian',
      },
      busybox: '/bin/busybox',
      modules,
    });
    await packInitramfs(e, { compression, epoch: 1700000000, kernelConfig: config }, out);
    return e;
  });
  return { ms, bytes: statSync(out).size, entries };
}

async function packOnly(
  entries: RootfsEntry[],
  compression: Compression,
): Promise<{ ms: number; bytes: number }> {
  const out = path.join(work, `pack-${compression}.img`);
  const [, ms] = await timeAsync(() => packInitramfs(entries, { compression, epoch: 1700000000 }, out));
  return { ms, bytes: statSync(out).size };
}

/** Unpacks our uncompressed archive into a staging tree for the shell pipeline to pack. */
async function stagingTree(entries: RootfsEntry[]): Promise<string> {
  const tree = path.join(work, 'tree');
  mkdirSync(tree);
  await packInitramfs(
    entries,
    { compression: 'none', epoch: 1700000000, parts: 1 },
    path.join(work, 'tree.cpio'),
  );
  sh(`cpio -i -d --quiet --no-absolute-filenames < ${path.join(work, 'tree.cpio')}`, tree);
  return tree;
}

function pipelinePack(tree: string): { ms: number; bytes: number } {
  const out = path.join(work, 'pigz.img');
  const [, ms] = time(() => sh(`find . | LC_ALL=C sort | cpio -o -H newc --quiet | pigz -6 > ${out}`, tree));
  return { ms, bytes: statSync(out).size };
}

try {
  const rows: string[][] = [];
  const mk: { ms: number; bytes: number }[] = [];
  const withMods: Awaited<ReturnType<typeof stage>>[] = [];
  const builtin: Awaited<ReturnType<typeof stage>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`run ${i + 1}/${RUNS}: mkinitramfs, modules image, built-in image\n`);
    mk.push(mkinitramfsNetboot(work, release, path.join(work, 'mkinitramfs.img')));
    withMods.push(await stage(['ip_vs', 'ip_vs_lc']));
    builtin.push(await stage([]));
  }
  const mkMs = median(mk.map((r) => r.ms));
  const mkBytes = mk[0]!.bytes;
  for (const [name, runs] of [
    ['modules image (ip_vs, ip_vs_lc + closure)', withMods],
    ['built-in kernel image (no modules)', builtin],
  ] as const) {
    const ms = median(runs.map((r) => r.ms));
    const bytes = runs[0]!.bytes;
    rows.push([
      `initrd size, ${name}, gzip`,
      mb(bytes),
      `mkinitramfs netboot ${mb(mkBytes)}`,
      (bytes / mkBytes).toFixed(3),
      '<= 0.100',
    ]);
    rows.push([
      `initrd stage (assemble+pack), ${name}`,
      sec(ms),
      `mkinitramfs netboot ${sec(mkMs)}`,
      (ms / mkMs).toFixed(3),
      '<= 0.200',
    ]);
  }
  const entries = withMods[0]!.entries;
  const tree = await stagingTree(entries);
  const ours: { ms: number; bytes: number }[] = [];
  const peer: { ms: number; bytes: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await packOnly(entries, 'gzip'));
    peer.push(pipelinePack(tree));
  }
  const oMs = median(ours.map((r) => r.ms));
  const pMs = median(peer.map((r) => r.ms));
  rows.push([
    'pack, modules tree, gzip -6 in 2 parts',
    `${sec(oMs)}, ${mb(ours[0]!.bytes)}`,
    `find|sort|cpio|pigz -6 ${sec(pMs)}, ${mb(peer[0]!.bytes)}`,
    (oMs / pMs).toFixed(2),
    '<= 1.00',
  ]);
  for (const c of ['xz', 'zstd', 'none'] as const) {
    const r = await packOnly(entries, c);
    rows.push([
      `pack, modules tree, ${c} (1 run, for reference)`,
      `${sec(r.ms)}, ${mb(r.bytes)}`,
      '',
      '',
      '',
    ]);
  }
  const head = ['what', 'lvs-image', 'peer', 'ratio', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    `kernel ${release}, ipvsadm ${IPVSADM}, median of ${RUNS}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  process.stdout.write(
    [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
