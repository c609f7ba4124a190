/**
 * NIC drivers built in or as modules (issue 24): the reference director (images/dsas-lv1.yaml, the site kernel
 * with the default NIC set of hardware/nics.json) built twice, once as the catalog says (every NIC driver a module,
 * coldplugged by /init from the PCI/virtio modaliases) and once with every NIC driver forced built in
 * (kernel.extraConfig CONFIG_<driver>=y), then: bzImage and initrd size, and boot to the ready line by direct
 * kernel boot in QEMU (TCG, q35) with two e1000e NICs (the 82574L of many PCs) and with two virtio-net NICs. Median
 * of N, variants interleaved.
 *
 *   node --import tsx bench/nic-drivers.ts [--runs 3] [--only modules,builtin,prebuilt] [--json]
 *
 * `prebuilt`: the same director on Debian's kernel (/vmlinuz), its NIC modules from its own tree, coldplugged the
 * same way (not in the default run).
 *
 * The peer, sizes only, in the same run: Debian's stock kernel (/vmlinuz) with the initrd Debian installed beside it
 * (/boot/initrd.img-<release>, MODULES=most) and with a `mkinitramfs` MODULES=netboot initrd (bench/_mkinitramfs.ts).
 *
 * The builds go through `lvs-image build` and its kernel cache ($LVS_IMAGE_CACHE): a variant whose kernel is not
 * cached is built first (15-25 min on 2 cores).
 */
import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { driversOf } from '../src/hardware/catalog.js';
import { run } from '../src/lib/exec.js';
import { startGuest } from '../src/lib/qemu.js';
import type { GuestNic, NicModel } from '../src/lib/qemu-args.js';
import { READY_PATTERN } from '../src/runtime/console-contract.js';
import { median } from './_lab-figures.js';
import { mkinitramfsNetboot } from './_mkinitramfs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 3) || 3;
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const JSON_OUT = argv.includes('--json');
const BOOT_TIMEOUT_MS = 300_000;
const MACS = ['52:54:00:31:00:11', '52:54:00:31:01:11'];
// e1000e is not among the models src/lib/qemu-args.ts names yet (the boot matrix adds them); QEMU takes it as is.
const MODELS = ['e1000e' as NicModel, 'virtio-net-pci' as NicModel];

type Variant = 'modules' | 'builtin' | 'prebuilt';

/**
 * The reference spec, with every default-set NIC driver forced built in for the `builtin` variant, and on Debian's
 * own kernel (/vmlinuz, its modules from /lib/modules) for the `prebuilt` one.
 */
async function writeSpec(dir: string, variant: Variant): Promise<string> {
  const spec = parse(await readFile(path.join(REPO, 'images/dsas-lv1.yaml'), 'utf8')) as {
    kernel: Record<string, unknown> & { extraConfig?: string[] };
  };
  if (variant === 'prebuilt')
    spec.kernel = {
      version: spec.kernel.version,
      prebuilt: { vmlinuz: '/vmlinuz' },
      profile: 'minimal',
      options: 'module',
    };
  if (variant === 'builtin') {
    const symbols = [...new Set(driversOf('default').flatMap((d) => d.symbols))];
    spec.kernel.extraConfig = symbols.map((s) => `CONFIG_${s}=y`);
  }
  const file = path.join(dir, `${variant}.yaml`);
  await writeFile(file, stringify(spec));
  return file;
}

interface Built {
  variant: Variant;
  kernel: string;
  initrd: string;
  append: string;
  kernelBytes: number;
  initrdBytes: number;
  buildSeconds: number;
}

async function build(dir: string, variant: Variant): Promise<Built> {
  const out = path.join(dir, `out-${variant}`);
  const start = performance.now();
  await run(
    process.execPath,
    [path.join(REPO, 'bin/lvs-image.js'), 'build', await writeSpec(dir, variant), '--out', out],
    { cwd: REPO, timeoutMs: 3 * 60 * 60 * 1000, logFile: path.join(dir, `build-${variant}.log`) },
  );
  const lv1 = path.join(out, 'dsas', 'lv1');
  const kernel = path.join(lv1, 'lv1-kernel');
  const initrd = path.join(lv1, 'lv1-initrd.img');
  return {
    variant,
    kernel,
    initrd,
    append: (await readFile(path.join(lv1, 'lv1-cmdline'), 'utf8')).trim(),
    kernelBytes: (await stat(kernel)).size,
    initrdBytes: (await stat(initrd)).size,
    buildSeconds: (performance.now() - start) / 1000,
  };
}

/** Seconds from QEMU start to the ready line, and the FAILED lines /init printed on the way. */
async function bootOnce(b: Built, model: NicModel, dir: string, i: number): Promise<[number, string[]]> {
  const nics: GuestNic[] = MACS.map((mac) => ({ backend: { kind: 'user' }, mac, model }));
  const log = path.join(dir, `${b.variant}-${model}-${i}.log`);
  const start = performance.now();
  const guest = await startGuest({
    name: `bench-nic-${b.variant}`,
    direct: { kernel: b.kernel, initrd: b.initrd, append: b.append },
    nics,
    // Debian's initrd-sized kernel needs more than the 256 MiB a director needs (bench/boot.ts).
    memoryMb: b.variant === 'prebuilt' ? 512 : 256,
    consoleLog: log,
  });
  try {
    await guest.console.waitFor(READY_PATTERN, BOOT_TIMEOUT_MS, 'the ready line');
    const seconds = (performance.now() - start) / 1000;
    return [seconds, guest.console.text.split('\n').filter((l) => l.includes('lvs-image: FAILED'))];
  } finally {
    await guest.stop();
  }
}

const mb = (n: number): string => (n / 1e6).toFixed(2);

/** Debian's stock kernel with its installed initrd and with a netboot one: the sizes a netbooting PC would fetch. */
async function debianPeer(
  dir: string,
): Promise<{ what: string; kernelBytes: number; initrdBytes: number }[]> {
  const vmlinuz = await realpath('/vmlinuz');
  const release = path.basename(vmlinuz).replace(/^vmlinuz-/, '');
  const kernelBytes = (await stat(vmlinuz)).size;
  const installed = `/boot/initrd.img-${release}`;
  const netboot = mkinitramfsNetboot(dir, release, path.join(dir, 'debian-netboot.img'));
  return [
    {
      what: `Debian ${release}, its installed initrd (MODULES=most)`,
      kernelBytes,
      initrdBytes: (await stat(installed)).size,
    },
    { what: `Debian ${release}, mkinitramfs MODULES=netboot`, kernelBytes, initrdBytes: netboot.bytes },
  ];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvsi-bench-nic-'));
  try {
    const variants = (ONLY?.split(',') ?? ['modules', 'builtin']) as Variant[];
    const built: Built[] = [];
    for (const v of variants) built.push(await build(dir, v));
    const peer = await debianPeer(dir);
    const loadBefore = loadavg()[0]!;
    const times = new Map<string, number[]>();
    const failed = new Map<string, string[]>();
    for (let i = 0; i < RUNS; i++) {
      for (const model of MODELS) {
        // Rotate the order each run so neither variant always boots first.
        for (let j = 0; j < built.length; j++) {
          const b = built[(i + j) % built.length]!;
          const key = `${b.variant} ${model}`;
          const [s, fails] = await bootOnce(b, model, dir, i);
          times.set(key, [...(times.get(key) ?? []), s]);
          failed.set(key, [...new Set([...(failed.get(key) ?? []), ...fails])]);
          if (!JSON_OUT) process.stdout.write(`run ${i + 1}/${RUNS} ${key}: ${s.toFixed(2)} s\n`);
        }
      }
    }
    const load = [loadBefore, loadavg()[0]!];
    const med = Object.fromEntries([...times].map(([k, v]) => [k, median(v)]));
    if (JSON_OUT) {
      process.stdout.write(
        JSON.stringify({
          runs: RUNS,
          built: built.map(({ variant, kernelBytes, initrdBytes, buildSeconds }) => ({
            variant,
            kernelBytes,
            initrdBytes,
            buildSeconds,
          })),
          times: Object.fromEntries(times),
          med,
          failed: Object.fromEntries(failed),
          peer,
          load,
        }) + '\n',
      );
      return;
    }
    process.stdout.write(`\nNIC drivers built in or as modules, QEMU TCG q35 -m 256, median of ${RUNS}\n`);
    for (const b of built) {
      process.stdout.write(
        `${b.variant}: bzImage ${mb(b.kernelBytes)} MB, initrd ${mb(b.initrdBytes)} MB, together ${mb(b.kernelBytes + b.initrdBytes)} MB (build step ${b.buildSeconds.toFixed(0)} s)\n`,
      );
      for (const model of MODELS) {
        const key = `${b.variant} ${model}`;
        const fails = failed.get(key) ?? [];
        process.stdout.write(
          `  boot to ready, 2 ${model}: ${med[key]!.toFixed(2)} s${fails.length > 0 ? ` (FAILED lines: ${fails.join(' | ')})` : ''}\n`,
        );
      }
    }
    for (const p of peer)
      process.stdout.write(
        `peer: ${p.what}: bzImage ${mb(p.kernelBytes)} MB, initrd ${mb(p.initrdBytes)} MB, together ${mb(p.kernelBytes + p.initrdBytes)} MB\n`,
      );
    process.stdout.write(
      `load average (1 min): ${load[0]!.toFixed(2)} before, ${load[1]!.toFixed(2)} after\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
