import test from 'ava';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { gzipSync } from 'node:zlib';
import { BuildError, SpecError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { run } from '../../src/lib/exec.js';
import { findIpvsadmRelease } from '../../src/packages/ipvsadm.js';
import { loadSpec } from '../../src/spec/load.js';
import { checkLock, checkLockAgainstSpec, computeLock } from '../../src/stages/lock.js';
import {
  diffLock,
  lockFileFor,
  parseLock,
  serializeLock,
  type Lock,
} from '../../src/stages/lock/lock-file.js';
import { readBzImageRelease } from '../../src/stages/lock/prebuilt-facts.js';
import { runCli } from '../_helpers/cli.js';
import { makeTar } from '../_helpers/tarball.js';
import { integrationTest } from '../_helpers/integration.js';

const io: StageIo = { run, log: () => undefined };
// A source store of this file's own: the fixtures' tarballs stay out of the machine's store.
process.env.LVS_IMAGE_SOURCES = await mkdtemp(path.join(tmpdir(), 'lvs-lock-store-'));
test.after.always(() =>
  rm(process.env.LVS_IMAGE_SOURCES ?? '/nonexistent', { recursive: true, force: true }),
);

function sampleLock(): Lock {
  return {
    lockVersion: 2,
    kernel: {
      version: '6.1',
      release: '6.1.192',
      source: {
        file: 'linux-source-6.1.tar.xz',
        sha256: 'k'.repeat(64),
        size: 138008000,
        origin: {
          kind: 'debian-binary',
          package: 'linux-source-6.1',
          version: '6.1.192-2',
          member: '/usr/src/linux-source-6.1.tar.xz',
        },
      },
      prebuilt: false,
      ipvsVersion: '1.2.1',
      ipvsVersionFrom: 'include/uapi/linux/ip_vs.h in the kernel source',
    },
    ipvsadm: {
      version: '1.31',
      link: 'static',
      source: {
        file: 'ipvsadm_1.31.orig.tar.gz',
        sha256: 'i'.repeat(64),
        size: 50389,
        origin: {
          kind: 'debian-source',
          package: 'ipvsadm',
          version: '1:1.31-1',
          dsc: 'x 50389 ipvsadm_1.31.orig.tar.gz',
        },
      },
      ipvsVersion: '1.2.1',
      ipvsVersionFrom: 'libipvs/ip_vs.h in the source',
      checkedWithKernel: { release: '6.1.192', sha256: 'k'.repeat(64) },
    },
    compiler: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
    unknown: [],
  };
}

test('lockFileFor puts the lock beside the spec', (t) => {
  t.is(lockFileFor('images/dsas-lv1.yaml'), 'images/dsas-lv1.lock');
  t.is(lockFileFor('site.json'), 'site.lock');
  t.is(lockFileFor('images/x.lock'), 'images/x.lock');
});

test('serializeLock sorts keys at every level, ends with a newline and round-trips', (t) => {
  const text = serializeLock(sampleLock());
  t.true(text.endsWith('}\n'));
  t.deepEqual(Object.keys(JSON.parse(text) as object), [
    'compiler',
    'ipvsadm',
    'kernel',
    'lockVersion',
    'unknown',
  ]);
  t.true(text.indexOf('"checkedWithKernel"') < text.indexOf('"ipvsVersion"'));
  t.deepEqual(parseLock(text, 'x.lock'), JSON.parse(text) as Lock);
});

test('parseLock names the file when it is not a lock, and reports an old lock as old', (t) => {
  t.throws(() => parseLock('{', 'images/a.lock'), {
    instanceOf: SpecError,
    message: /^images\/a\.lock: not valid JSON/,
  });
  t.throws(() => parseLock('{"lockVersion": 9}', 'images/a.lock'), {
    instanceOf: SpecError,
    message: /not a lock file of format 2/,
  });
  const old = t.throws(() => parseLock('{"lockVersion": 1, "kernel": {}, "ipvsadm": {}}', 'images/a.lock'), {
    instanceOf: SpecError,
  });
  t.regex(old.message, /images\/a\.lock: a lock of format 1, older than this lvs-image's format 2/);
  t.regex(old.message, /lvs-image lock SPEC/);
});

test('diffLock: no drift for equal pins; unknown notes, provenance and store times are not compared', (t) => {
  t.deepEqual(diffLock(sampleLock(), { ...sampleLock(), unknown: ['a note'] }), []);
  const now = sampleLock();
  now.ipvsadm.ipvsVersionFrom = 'catalog (bundled libipvs/ip_vs.h)';
  t.deepEqual(diffLock(sampleLock(), now), []);
  now.ipvsadm.ipvsVersion = '1.2.0';
  t.deepEqual(diffLock(sampleLock(), now), ['ipvsadm.ipvsVersion: locked 1.2.1, now 1.2.0']);
});

test('diffLock names both Debian versions when the archive rebuilt a package', (t) => {
  const now = sampleLock();
  now.kernel.source = {
    ...now.kernel.source!,
    sha256: 'c'.repeat(64),
    origin: { ...now.kernel.source!.origin, version: '6.1.192-3' } as never,
  };
  now.ipvsadm.checkedWithKernel = { release: '6.1.192', sha256: 'c'.repeat(64) };
  const lines = diffLock(sampleLock(), now);
  t.is(
    lines[0],
    'kernel: linux-source-6.1 6.1.192-2 (sha256 kkkkkkkk…) is locked; Debian now ships 6.1.192-3 (cccccccc…)',
  );
  t.true(
    lines.includes(
      'kernel changed (linux-source-6.1 6.1.192-2 (sha256 kkkkkkkk…) → linux-source-6.1 6.1.192-3 (sha256 cccccccc…)) ' +
        'but ipvsadm 1.31 was checked against the first: re-check the pair with `lvs-image lock SPEC`',
    ),
  );
  const same = sampleLock();
  same.ipvsadm.source = { ...same.ipvsadm.source, sha256: 'j'.repeat(64) };
  same.compiler = 'gcc 13';
  t.deepEqual(diffLock(sampleLock(), same), [
    'ipvsadm: ipvsadm 1:1.31-1 (sha256 iiiiiiii…) is locked; Debian now ships the same version 1:1.31-1 with other bytes (jjjjjjjj…)',
    'compiler: locked gcc (Debian 12.2.0-14+deb12u1) 12.2.0, now gcc 13',
  ]);
});

test('checkLockAgainstSpec: the spec must still name what the lock pins; a compiler change only warns', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const warnings: string[] = [];
  const quiet: StageIo = { run, log: (l) => warnings.push(l) };
  const found = { lock: sampleLock(), file: 'images/dsas-lv1.lock' };
  t.notThrows(() => checkLockAgainstSpec(found, spec, 'images/dsas-lv1.yaml', quiet, 'gcc 13'));
  t.true(
    warnings.some((w) =>
      /lock was written with gcc \(Debian 12\.2\.0-14\+deb12u1\) 12\.2\.0; this machine has gcc 13/.test(w),
    ),
  );
  const moved = {
    ...spec,
    ipvsadm: { ...spec.ipvsadm, version: '1.30' },
    kernel: { ...spec.kernel, source: { debian: 'linux-source-6.12' } },
  };
  const err = t.throws(() => checkLockAgainstSpec(found, moved, 'images/dsas-lv1.yaml', quiet, undefined), {
    instanceOf: SpecError,
  });
  t.deepEqual(
    err.problems.map((p) => p.message),
    [
      'kernel source: locked debian:linux-source-6.1, the spec now says debian:linux-source-6.12',
      'ipvsadm.version: locked 1.31, the spec now says 1.30',
    ],
  );
  t.true(
    err.problems.every(
      (p) => p.file === 'images/dsas-lv1.lock' && /lvs-image lock images\/dsas-lv1\.yaml/.test(p.hint ?? ''),
    ),
  );
});

test('keepalived in the lock: the frozen gate wants it when a director runs it, and a rebuild names both versions', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const quiet: StageIo = { run, log: () => undefined };
  const keepalived = {
    version: '2.2.7',
    link: 'static' as const,
    source: {
      file: 'keepalived_2.2.7.orig.tar.gz',
      sha256: 'a'.repeat(64),
      size: 1180180,
      origin: { kind: 'debian-source' as const, package: 'keepalived', version: '1:2.2.7-1', dsc: 'x' },
    },
  };
  const without = { lock: sampleLock(), file: 'images/checked-example.lock' };
  const missing = t.throws(
    () => checkLockAgainstSpec(without, spec, 'images/checked-example.yaml', quiet, undefined),
    {
      instanceOf: SpecError,
    },
  );
  t.deepEqual(
    missing.problems.map((p) => p.message),
    [
      'the spec runs keepalived 2.2.7 and the lock pins no keepalived',
      'the spec runs dropbear 2022.83 and the lock pins no dropbear',
      'the spec runs busybox 1.35.0 and the lock pins no busybox',
    ],
  );
  const dropbear = {
    version: '2022.83',
    link: 'static' as const,
    source: {
      file: 'dropbear_2022.83.orig.tar.bz2',
      sha256: 'c'.repeat(64),
      size: 2322904,
      origin: { kind: 'debian-source' as const, package: 'dropbear', version: '2022.83-1+deb12u3', dsc: 'x' },
    },
  };
  const busybox = {
    version: '1.35.0',
    link: 'static' as const,
    source: {
      file: 'busybox_1.35.0.orig.tar.bz2',
      sha256: 'e'.repeat(64),
      size: 2480624,
      origin: { kind: 'debian-source' as const, package: 'busybox', version: '1:1.35.0-4+deb12u1', dsc: 'x' },
    },
  };
  const withKa = {
    lock: { ...sampleLock(), keepalived, dropbear, busybox },
    file: 'images/checked-example.lock',
  };
  t.notThrows(() => checkLockAgainstSpec(withKa, spec, 'images/checked-example.yaml', quiet, undefined));
  const linked = { ...spec, keepalived: { ...spec.keepalived!, link: 'dynamic' as const } };
  const err = t.throws(
    () => checkLockAgainstSpec(withKa, linked, 'images/checked-example.yaml', quiet, undefined),
    {
      instanceOf: SpecError,
    },
  );
  t.deepEqual(
    err.problems.map((p) => p.message),
    ['keepalived.link: locked static, the spec now says dynamic'],
  );
  const rebuilt = {
    ...keepalived,
    source: {
      ...keepalived.source,
      sha256: 'b'.repeat(64),
      origin: { ...keepalived.source.origin, version: '1:2.2.7-2' },
    },
  };
  t.deepEqual(diffLock({ ...sampleLock(), keepalived }, { ...sampleLock(), keepalived: rebuilt }), [
    'keepalived: keepalived 1:2.2.7-1 (sha256 aaaaaaaa…) is locked; Debian now ships 1:2.2.7-2 (bbbbbbbb…)',
  ]);
  const rebuiltDropbear = {
    ...dropbear,
    source: {
      ...dropbear.source,
      sha256: 'd'.repeat(64),
      origin: { ...dropbear.source.origin, version: '2022.83-1+deb12u4' },
    },
  };
  t.deepEqual(diffLock({ ...sampleLock(), dropbear }, { ...sampleLock(), dropbear: rebuiltDropbear }), [
    'dropbear: dropbear 2022.83-1+deb12u3 (sha256 cccccccc…) is locked; Debian now ships 2022.83-1+deb12u4 (dddddddd…)',
  ]);
  // A spec without checks neither needs nor accepts a keepalived pin in its lock.
  const lv1 = await loadSpec('images/dsas-lv1.yaml');
  const stray = t.throws(
    () => checkLockAgainstSpec(withKa, lv1.spec, 'images/dsas-lv1.yaml', quiet, undefined),
    {
      instanceOf: SpecError,
    },
  );
  t.regex(stray.message, /the lock pins keepalived 2\.2\.7 and the spec runs none/);
});

test('images/dsas-2006.lock pins ipvsadm 1.24 by its published sha256 and marks the unknowns', async (t) => {
  const text = await readFile('images/dsas-2006.lock', 'utf8');
  const lock = parseLock(text, 'images/dsas-2006.lock');
  t.is(serializeLock(lock), text);
  const published = findIpvsadmRelease('1.24').sources[0];
  t.is(lock.ipvsadm.version, '1.24');
  t.is(lock.ipvsadm.source.sha256, '773cbada48061e3afafaeaa2800d5382b8ff638b2c929293c14a793112a0642a');
  t.is(lock.ipvsadm.source.sha256, published?.sha256 ?? 'no published sha256');
  const origin = lock.ipvsadm.source.origin;
  t.true(origin.kind === 'url' && published?.urls.includes(origin.url));
  t.is(lock.kernel.version, '2.6.16.27');
  t.is(lock.kernel.source?.sha256, null);
  t.is(lock.kernel.release, null);
  t.is(lock.kernel.ipvsVersion, '1.2.1');
  t.regex(lock.kernel.ipvsVersionFrom ?? '', /^documented, not read/);
  t.true(lock.unknown.some((u) => u.includes('kernel: no sha256 pinned')));
  t.true(lock.unknown.some((u) => u.includes('linux-2.6.16.27.tar.bz2 is not on this machine')));
});

integrationTest('lvs-image lock --offline reproduces images/dsas-2006.lock', ['gcc'], async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-lock-'));
  await copyFile('images/dsas-2006.yaml', path.join(dir, 'dsas-2006.yaml'));
  const r = runCli(['lock', '--offline', path.join(dir, 'dsas-2006.yaml')]);
  t.is(r.status, 0, r.stderr);
  t.is(
    await readFile(path.join(dir, 'dsas-2006.lock'), 'utf8'),
    await readFile('images/dsas-2006.lock', 'utf8'),
  );
  const again = runCli(['--json', 'lock', '--offline', path.join(dir, 'dsas-2006.yaml')]);
  const json = JSON.parse(again.stdout) as { ok: boolean; changes: string[]; file: string };
  t.deepEqual([json.ok, json.changes, json.file], [true, [], path.join(dir, 'dsas-2006.lock')]);
  const plain = runCli(['lock', '--offline', path.join(dir, 'dsas-2006.yaml')]);
  t.regex(plain.stdout, /dsas-2006\.lock: unchanged/);
});

test('checkLock without a lock file tells how to make one', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-nolock-'));
  const err = await t.throwsAsync(checkLock(path.join(dir, 'x.yaml'), {} as never, io), {
    instanceOf: SpecError,
  });
  t.regex(err?.message ?? '', /x\.lock: --frozen needs a lock file and there is none/);
  t.regex(err?.message ?? '', /lvs-image lock/);
});

function fakeBzImage(version: string): Buffer {
  const b = Buffer.alloc(0x400);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x100, 0x20e);
  b.write(`${version} (builder@example) #1 SMP\0`, 0x300, 'latin1');
  return b;
}

test('readBzImageRelease reads the setup header version string; null for other files', (t) => {
  t.is(readBzImageRelease(fakeBzImage('6.1.0-56-amd64')), '6.1.0-56-amd64');
  t.is(readBzImageRelease(Buffer.alloc(0x400)), null);
});

test('computeLock for a prebuilt kernel and a local ipvsadm tarball (fake gcc)', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-prebuilt-'));
  await writeFile(path.join(dir, 'vmlinuz'), fakeBzImage('6.1.0-56-amd64'));
  const tarball = gzipSync(
    await makeTar([
      { name: 'ipvsadm-1.31/libipvs/ip_vs.h', content: '#define IP_VS_VERSION_CODE 0x010201\n' },
    ]),
  );
  await writeFile(path.join(dir, 'ipvsadm.tar.gz'), tarball);
  const spec = {
    kernel: { version: '6.1', prebuilt: { vmlinuz: 'vmlinuz' } },
    ipvsadm: { version: '1.31', source: { path: 'ipvsadm.tar.gz' } },
    hardware: { firmware: 'none' },
  } as never;
  const fakeIo: StageIo = {
    run: () => Promise.resolve({ stdout: 'gcc (fake) 1.0\nmore\n', stderr: '', exitCode: 0 }),
    log: () => undefined,
  };
  const lock = await computeLock(spec, fakeIo, { specDir: dir });
  t.deepEqual(lock.kernel.source?.origin, { kind: 'path', path: 'vmlinuz' });
  t.true(lock.kernel.prebuilt);
  t.is(lock.kernel.release, '6.1.0-56-amd64');
  t.is(lock.kernel.source?.sha256, sha256(fakeBzImage('6.1.0-56-amd64')));
  t.is(lock.kernel.ipvsVersion, '1.2.1');
  t.is(lock.ipvsadm.source.sha256, sha256(tarball));
  t.deepEqual(lock.ipvsadm.source.origin, { kind: 'path', path: 'ipvsadm.tar.gz' });
  t.is(lock.ipvsadm.ipvsVersionFrom, 'libipvs/ip_vs.h in the source');
  t.is(lock.compiler, 'gcc (fake) 1.0');
  t.deepEqual(lock.unknown, []);
});

test('computeLock refuses a kernel tarball whose sha256 differs from the pin', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-kpin-'));
  await writeFile(
    path.join(dir, 'linux.tar.gz'),
    gzipSync(await makeTar([{ name: 'l/Makefile', content: 'VERSION = 6\n' }])),
  );
  const spec = {
    kernel: { version: '6.1', source: { path: 'linux.tar.gz', sha256: 'a'.repeat(64) } },
    ipvsadm: { version: '1.31' },
  } as never;
  await t.throwsAsync(computeLock(spec, io, { specDir: dir, offline: true }), {
    instanceOf: BuildError,
    message: new RegExp(`linux\\.tar\\.gz: sha256 mismatch: expected ${'a'.repeat(64)}`),
  });
});
