import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelArtifacts, StageIo } from '../../../src/context.js';
import { BuildError } from '../../../src/lib/errors.js';
import { run } from '../../../src/lib/exec.js';
import { sha256 } from '../../../src/lib/fs.js';
import { provideFirmware } from '../../../src/stages/firmware.js';
import { diffLock, type Lock } from '../../../src/stages/lock/lock-file.js';
import { provideSources } from '../../../src/stages/sources.js';
import { exportSources, importSources } from '../../../src/stages/sources/bundle.js';
import { firmwareRequests, planSources } from '../../../src/stages/sources/plan.js';
import { lookupStored } from '../../../src/stages/sources/store.js';
import { useFakeDebian } from '../../_helpers/fake-debian.js';
import { makeSpec } from '../../_helpers/make-spec.js';
import { makeModuleElf } from '../../_helpers/module-elf.js';

const { debian, work } = await useFakeDebian('lvs-fw-sources-');
const logs: string[] = [];
const io: StageIo = { run, log: (l) => logs.push(l) };

const base = makeSpec();
const spec = makeSpec({
  kernel: { ...base.kernel, profile: 'minimal' },
  hardware: { nics: ['broadcom-bnx2'] },
});
const doc = (pkg: string): Record<string, Buffer> => ({
  [`usr/share/doc/${pkg}/copyright`]: Buffer.from(`Format: dep5\nLicense: ${pkg}-licence\n`),
});

/** The three packages of the spec: package, version, first member and its bytes, the other files. */
const PACKAGES = (rev: string): [string, string, string, Buffer, Record<string, Buffer>][] => [
  [
    'firmware-bnx2',
    '20230210-5',
    'lib/firmware/bnx2/bnx2-mips-09-6.2.1b.fw',
    Buffer.from(`mips ${rev}`),
    { 'lib/firmware/bnx2/bnx2-rv2p-09ax-6.0.17.fw': Buffer.from('not declared here') },
  ],
  [
    'intel-microcode',
    '3.20251111.1',
    'lib/firmware/intel-ucode/06-55-04',
    Buffer.alloc(64, 7),
    {
      'lib/firmware/intel-ucode/06-55-07': Buffer.alloc(64, 7),
      'lib/firmware/intel-ucode/06-8f-08': Buffer.alloc(32, 9),
    },
  ],
  [
    'amd64-microcode',
    '3.20250311.1',
    'lib/firmware/amd-ucode/microcode_amd_fam17h.bin',
    Buffer.alloc(16, 3),
    { 'lib/firmware/amd-ucode/microcode_amd_fam17h.bin.asc': Buffer.from('signature, not microcode') },
  ],
];

/** Debian serves the packages, firmware-bnx2 in build `rev`. */
function ship(rev: string): void {
  for (const [pkg, version, member, bytes, extra] of PACKAGES(rev))
    debian.publishBinary(pkg, version, member, bytes, { ...doc(pkg), ...extra });
}

/** A lock pinning what the store has now for the firmware packages (the kernel and ipvsadm pins are not used here). */
async function lockNow(store: string): Promise<Lock> {
  const got = await provideSources(firmwareRequests(spec), io, { store });
  const pinned = { file: 'x', sha256: 'a'.repeat(64), size: 1, origin: { kind: 'path' as const, path: 'x' } };
  return {
    lockVersion: 2,
    kernel: {
      version: '6.1',
      release: null,
      source: pinned,
      prebuilt: false,
      ipvsVersion: null,
      ipvsVersionFrom: null,
    },
    ipvsadm: {
      version: '1.31',
      link: 'static',
      source: pinned,
      ipvsVersion: null,
      ipvsVersionFrom: null,
      checkedWithKernel: { release: null, sha256: null },
    },
    firmware: Object.fromEntries(
      Object.values(got).map((s) => [
        s.name,
        {
          version: s.origin.kind === 'debian-deb' ? s.origin.version : '?',
          source: { file: s.file, sha256: s.sha256, size: s.size, origin: s.origin },
        },
      ]),
    ),
    compiler: null,
    unknown: [],
  };
}

const frozenFirmware = (lock: Lock) =>
  planSources(spec, '.', { lock, file: 'site.lock' }).filter((r) => r.from.kind === 'debian-deb');

test.serial(
  'the packages are pinned by version and .deb sha256, frozen from the store, exported and imported',
  async (t) => {
    ship('A');
    const store = path.join(work, 'store-1');
    const lock = await lockNow(store);
    t.deepEqual(Object.keys(lock.firmware ?? {}).sort(), [
      'amd64-microcode',
      'firmware-bnx2',
      'intel-microcode',
    ]);
    t.like(lock.firmware?.['firmware-bnx2'], {
      version: '20230210-5',
      source: {
        file: 'firmware-bnx2_20230210-5_all.deb',
        origin: { kind: 'debian-deb', package: 'firmware-bnx2', version: '20230210-5' },
      },
    });
    const frozen = frozenFirmware(lock);
    t.true(frozen.every((r) => r.sha256 === lock.firmware?.[r.name]?.source.sha256));
    const got = await provideSources(frozen, io, { store, offline: true });
    t.true(
      Object.values(got).every((s) => s.via === 'store'),
      'offline: the store has them',
    );

    const bundle = path.join(work, 'bundle');
    const manifest = await exportSources(
      store,
      [
        {
          file: 'site.lock',
          lock: {
            ...lock,
            kernel: { ...lock.kernel, source: null },
            ipvsadm: { ...lock.ipvsadm, source: { ...lock.ipvsadm.source, sha256: null } },
          },
        },
      ],
      bundle,
    );
    t.deepEqual(
      manifest.sources.map((s) => s.file),
      [
        'amd64-microcode_3.20250311.1_all.deb',
        'firmware-bnx2_20230210-5_all.deb',
        'intel-microcode_3.20251111.1_all.deb',
      ],
    );
    const other = path.join(work, 'store-other');
    await importSources(other, [bundle], new Map());
    const sha = lock.firmware?.['firmware-bnx2']?.source.sha256 ?? '';
    t.is((await lookupStored(other, sha))?.origins[0]?.kind, 'debian-deb');
  },
);

test.serial(
  'a .deb whose bytes do not match the lock: a BuildError naming the package, nothing fetched',
  async (t) => {
    ship('A');
    const lock = await lockNow(path.join(work, 'store-2'));
    ship('B'); // Debian rebuilt the same version with other bytes.
    const empty = path.join(work, 'store-2-empty');
    const err = await t.throwsAsync(
      provideSources(frozenFirmware(lock), io, { store: empty, specFile: 'site.yaml' }),
      {
        instanceOf: BuildError,
      },
    );
    const locked = lock.firmware?.['firmware-bnx2']?.source.sha256 ?? '';
    t.regex(err.message, /^1 source\(s\) cannot be had:/);
    t.true(
      err.message.includes(
        `firmware-bnx2: the locked source firmware-bnx2 20230210-5 (sha256 ${locked}) is nowhere`,
      ),
      err.message,
    );
    t.regex(
      err.message,
      /apt-cache show firmware-bnx2=20230210-5: apt lists firmware-bnx2 20230210-5 as firmware-bnx2_20230210-5_all\.deb with sha256 [0-9a-f]{64}, not /,
    );
    t.false(err.message.includes('intel-microcode:'), 'the others still match');
  },
);

const kernelWith = async (modinfo: string): Promise<KernelArtifacts> => {
  const file = path.join(work, `modinfo-${sha256(modinfo).slice(0, 8)}`);
  await writeFile(file, modinfo);
  return {
    release: '6.1.192',
    image: '/x',
    config: '/x',
    builtinModinfo: file,
    ipvsVersionCode: 0x10201,
    sourceSha256: 'x',
    origin: 'x',
  };
};
const rootfs = {
  lv1: [
    { type: 'file' as const, path: '/init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    {
      type: 'file' as const,
      path: '/lib/modules/6.1.192/kernel/tg3.ko',
      mode: 0o644,
      data: makeModuleElf(['firmware=tigon/tg3.bin']),
    },
  ],
};

test.serial(
  'the image gets exactly the declared files the packages ship, the licences, and both microcode blobs',
  async (t) => {
    ship('A');
    const store = path.join(work, 'store-3');
    const sources = await provideSources(firmwareRequests(spec), io, { store });
    const kernel = await kernelWith(
      'bnx2.firmware=bnx2/bnx2-mips-09-6.2.1b.fw\0bnx2.firmware=bnx2/bnx2-rv2p-09-6.0.17.fw\0e1000.license=GPL\0',
    );
    logs.length = 0;
    const fw = (await provideFirmware({ spec, kernel, rootfs, sources, io })).lv1;
    t.deepEqual(
      fw?.entries.map((e) => e.path),
      [
        '/lib/firmware/bnx2/bnx2-mips-09-6.2.1b.fw',
        '/usr/share/doc/amd64-microcode/copyright',
        '/usr/share/doc/firmware-bnx2/copyright',
        '/usr/share/doc/intel-microcode/copyright',
      ],
    );
    t.deepEqual(
      fw?.manifest.leftOut.map((l) => [l.name, l.modules]),
      [
        ['bnx2/bnx2-rv2p-09-6.0.17.fw', ['bnx2']],
        ['tigon/tg3.bin', ['tg3']],
      ],
    );
    t.true(
      logs.some(
        (l) =>
          l ===
          'WARNING: lv1: firmware tigon/tg3.bin (declared by tg3) left out: no package of firmware-bnx2 ships it',
      ),
      logs.join('\n'),
    );
    t.like(fw?.manifest.files[0], {
      path: '/lib/firmware/bnx2/bnx2-mips-09-6.2.1b.fw',
      package: 'firmware-bnx2',
      sha256: sha256(Buffer.from('mips A')),
    });
    t.deepEqual(
      fw?.manifest.licences.map((l) => [l.package, l.copyright]),
      [
        ['amd64-microcode', '/usr/share/doc/amd64-microcode/copyright'],
        ['firmware-bnx2', '/usr/share/doc/firmware-bnx2/copyright'],
        ['intel-microcode', '/usr/share/doc/intel-microcode/copyright'],
      ],
    );
    t.deepEqual(
      fw?.manifest.microcode.map((m) => [m.path, m.size, m.files]),
      [
        ['/kernel/x86/microcode/GenuineIntel.bin', 96, 2],
        ['/kernel/x86/microcode/AuthenticAMD.bin', 16, 1],
      ],
    );
    t.is(fw?.early.filter((e) => e.type === 'file').length, 2);
  },
);

test.serial(
  "a hardware.microcode CPU list: only its vendors' packages and files; a CPU no file serves is a BuildError naming it",
  async (t) => {
    ship('A');
    const skx = makeSpec({
      kernel: spec.kernel,
      hardware: { nics: ['virtio'], microcode: [{ vendor: 'intel', family: 6, model: 85, stepping: 7 }] },
    });
    const sources = await provideSources(firmwareRequests(skx), io, { store: path.join(work, 'store-cpus') });
    t.false('amd64-microcode' in sources, 'no AMD CPU listed: the AMD package is not fetched');
    const kernel = await kernelWith('e1000.license=GPL\0');
    const fw = (await provideFirmware({ spec: skx, kernel, rootfs, sources, io })).lv1;
    t.deepEqual(
      fw?.manifest.microcode.map((m) => [m.path, m.size, m.files]),
      [['/kernel/x86/microcode/GenuineIntel.bin', 64, 1]],
    );
    t.deepEqual(
      fw?.manifest.licences.map((l) => l.package),
      ['intel-microcode'],
    );
    const spr = makeSpec({
      kernel: spec.kernel,
      hardware: {
        nics: ['virtio'],
        microcode: [
          { vendor: 'intel', family: 6, model: 143 },
          { vendor: 'intel', family: 6, model: 106 },
        ],
      },
    });
    const err = await t.throwsAsync(provideFirmware({ spec: spr, kernel, rootfs, sources, io }), {
      instanceOf: BuildError,
    });
    t.regex(
      err.message,
      /^hardware\.microcode: intel-microcode 3\.20251111\.1 has no microcode for intel family 6 model 106$/,
    );
    t.regex(err.hint ?? '', /intel-microcode serves family 6 models 85 143$/);
  },
);

test.serial(
  'hardware.firmware none: no file, no microcode, and the build names the NICs that go down or degrade',
  async (t) => {
    const none = makeSpec({ hardware: { firmware: 'none' } });
    logs.length = 0;
    const kernel = await kernelWith('bnx2.firmware=bnx2/bnx2-mips-09-6.2.1b.fw\0');
    const fw = (await provideFirmware({ spec: none, kernel, rootfs, sources: {}, io })).lv1;
    t.deepEqual([fw?.entries, fw?.early], [[], []]);
    t.is(fw?.manifest.choice, 'none');
    t.true(fw?.manifest.leftOut.every((l) => l.reason === 'hardware.firmware is none'));
    t.true(
      logs.includes(
        'WARNING: hardware.firmware is none: bnx2 (broadcom-bnx2) will not come up without firmware-bnx2',
      ),
      logs.join('\n'),
    );
    t.true(
      logs.includes(
        'WARNING: hardware.firmware is none: bnx2x (broadcom-bnx2x) will not come up without firmware-bnx2x',
      ),
    );
    for (const m of ['r8169', 'tg3', 'ice'])
      t.true(
        logs.some((l) => l.includes(`: ${m} (`) && l.includes('comes up degraded')),
        m,
      );
  },
);

test.serial('a firmware package Debian moved on is one drift line naming both versions', async (t) => {
  ship('A');
  const lock = await lockNow(path.join(work, 'store-4'));
  const was = lock.firmware?.['firmware-bnx2'];
  if (was === undefined) return t.fail('no firmware-bnx2 in the lock');
  const moved = {
    ...lock,
    firmware: {
      ...lock.firmware,
      'firmware-bnx2': {
        version: '20230210-6',
        source: {
          ...was.source,
          sha256: 'b'.repeat(64),
          origin: { ...was.source.origin, version: '20230210-6' },
        },
      },
    },
  } as Lock;
  t.deepEqual(diffLock(lock, moved), [
    `firmware-bnx2: firmware-bnx2 20230210-5 (sha256 ${(was.source.sha256 ?? '').slice(0, 8)}…) is locked; Debian now ships 20230210-6 (bbbbbbbb…)`,
  ]);
});
