import test from 'ava';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { generateKernelFragment } from '../../src/stages/kernel-config.js';
import { provideKernel } from '../../src/stages/kernel.js';
import { findMissingSymbols, readBzImageRelease } from '../../src/stages/kernel/prebuilt.js';
import { DEBIAN_CONFIG, DEBIAN_RELEASE, DEBIAN_VMLINUZ } from '../_helpers/debian-kernel.js';
import { makeSpec } from '../_helpers/make-spec.js';

/** A bzImage setup header: "HdrS" at 0x202, kernel_version pointer at 0x20E (string at pointer + 0x200). */
function fakeBzImage(version: string): Buffer {
  const buf = Buffer.alloc(0x800);
  buf.write('HdrS', 0x202, 'latin1');
  buf.writeUInt16LE(0x300, 0x20e);
  buf.write(`${version}\0`, 0x500, 'latin1');
  return buf;
}

test('reads the release from a bzImage header', (t) => {
  t.is(readBzImageRelease(fakeBzImage('6.1.192-lvs (root@host) #1 SMP')), '6.1.192-lvs');
  t.is(readBzImageRelease(Buffer.alloc(0x800)), undefined, 'no HdrS magic');
  const noPtr = fakeBzImage('x');
  noPtr.writeUInt16LE(0, 0x20e);
  t.is(readBzImageRelease(noPtr), undefined, 'kernel_version 0 means no string');
});

test('missing symbols name the symbol and why it is needed', (t) => {
  const lines = [
    { symbol: 'IP_VS', value: 'y', reasons: ['spec uses ipvs (/directors)'] },
    { symbol: 'IP_VS_LC', value: 'm', reasons: ['spec uses scheduler:lc'] },
    { symbol: 'IP_VS_TAB_BITS', value: '12', reasons: ['profile full'] },
    { symbol: 'IP_VS_DEBUG', value: 'n', reasons: ['x'] },
  ];
  const config = new Map([
    ['IP_VS', 'n'],
    ['IP_VS_LC', 'y'],
  ]);
  t.deepEqual(findMissingSymbols(lines, config), [
    'CONFIG_IP_VS (not set; needed: spec uses ipvs (/directors))',
  ]);
});

const quietIo = (logs: string[]): StageIo => ({ run, log: (l) => logs.push(l) });

test('prebuilt: Debian linux-image-amd64 passes the reference spec check', async (t) => {
  t.true(
    existsSync(DEBIAN_VMLINUZ) && existsSync(DEBIAN_CONFIG),
    'linux-image-amd64 is a project dependency (.ci/apt-packages.txt)',
  );
  const logs: string[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'kernel-prebuilt-'));
  const steps: string[] = [];
  const k = await provideKernel(
    makeSpec({ kernel: { source: undefined, prebuilt: { vmlinuz: DEBIAN_VMLINUZ } } }),
    quietIo(logs),
    {
      logFile: path.join(dir, 'log'),
      onStep: (s) => steps.push(s),
    },
  );
  t.is(k.release, DEBIAN_RELEASE);
  t.is(k.config, DEBIAN_CONFIG);
  t.is(k.modulesRoot, '/');
  t.is(k.ipvsVersionCode, 0x010201);
  t.is(k.origin, DEBIAN_VMLINUZ);
  t.regex(k.sourceSha256, /^[0-9a-f]{64}$/);
  t.deepEqual(
    steps.map((s) => s.split(' ')[0]),
    ['verify…', 'verify'],
  );
  if (k.headersDir === undefined)
    t.true(logs.some((l) => /taking 1\.2\.1, the IP_VS_VERSION_CODE of every kernel since 2\.6\.10/.test(l)));
});

/** Debian's config with CONFIG_<symbol>=m turned off, in a fresh folder (the folder and the file). */
function debianConfigWithout(symbol: string): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kernel-prebuilt-'));
  const config = path.join(dir, 'config');
  const text = readFileSync(DEBIAN_CONFIG, 'utf8');
  const off = text.replace(new RegExp(`^CONFIG_${symbol}=m$`, 'm'), `# CONFIG_${symbol} is not set`);
  if (off === text) throw new Error(`Debian's config has no CONFIG_${symbol}=m`);
  writeFileSync(config, off);
  return { dir, config };
}

test('prebuilt: a config with CONFIG_IP_VS unset fails naming it', async (t) => {
  const { dir, config } = debianConfigWithout('IP_VS');
  const spec = makeSpec({ kernel: { source: undefined, prebuilt: { vmlinuz: DEBIAN_VMLINUZ, config } } });
  const err = await t.throwsAsync(provideKernel(spec, quietIo([]), { logFile: path.join(dir, 'log') }), {
    instanceOf: BuildError,
  });
  t.regex(err.message, /lacks 1 required option:\n {2}CONFIG_IP_VS \(not set; needed: /);
});

test('prebuilt: a kernel lacking a NIC driver the spec selects fails naming it and the catalog family', async (t) => {
  const { dir, config } = debianConfigWithout('E1000E');
  const spec = makeSpec({
    kernel: { source: undefined, prebuilt: { vmlinuz: DEBIAN_VMLINUZ, config } },
    hardware: { nics: ['intel-e1000e', 'virtio'] },
  });
  const err = await t.throwsAsync(provideKernel(spec, quietIo([]), { logFile: path.join(dir, 'log') }), {
    instanceOf: BuildError,
  });
  t.regex(
    err.message,
    /lacks 1 required option:\n {2}CONFIG_E1000E \(not set; needed: hardware nics intel-e1000e\/e1000e: /,
  );
});

test('prebuilt: a kernel without the iTCO watchdog driver fails naming it; hardware.watchdog false needs none', async (t) => {
  const { dir, config } = debianConfigWithout('ITCO_WDT');
  const kernel = { source: undefined, prebuilt: { vmlinuz: DEBIAN_VMLINUZ, config } };
  const err = await t.throwsAsync(
    provideKernel(makeSpec({ kernel, hardware: { nics: ['virtio'] } }), quietIo([]), {
      logFile: path.join(dir, 'log'),
    }),
    { instanceOf: BuildError },
  );
  t.regex(
    err.message,
    /lacks 1 required option:\n {2}CONFIG_ITCO_WDT \(not set; needed: hardware\/platform\.json watchdog: module iTCO_wdt, carried and coldplugged \(or set hardware\.watchdog: false\)\)$/,
  );
  const off = makeSpec({ kernel, hardware: { nics: ['virtio'], watchdog: false } });
  await t.notThrowsAsync(provideKernel(off, quietIo([]), { logFile: path.join(dir, 'log') }));
});

test('prebuilt: the check uses what the spec needs, not the full profile list', (t) => {
  // IP_VS_TWOS is in the 6.1 full profile but not in Debian's config; the prebuilt check must not ask for it.
  const needed = generateKernelFragment(makeSpec({ kernel: { profile: 'minimal' } }));
  t.false(needed.lines.some((l) => l.symbol === 'IP_VS_TWOS'));
});

test('prebuilt: a file that is not a bzImage is refused', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kernel-prebuilt-'));
  const fake = path.join(dir, 'vmlinuz');
  writeFileSync(fake, Buffer.alloc(0x1000));
  copyFileSync(DEBIAN_CONFIG, path.join(dir, 'config'));
  const spec = makeSpec({
    kernel: { source: undefined, prebuilt: { vmlinuz: fake, config: path.join(dir, 'config') } },
  });
  await t.throwsAsync(provideKernel(spec, quietIo([]), { logFile: path.join(dir, 'log') }), {
    instanceOf: BuildError,
    message: /not a bzImage/,
  });
});
