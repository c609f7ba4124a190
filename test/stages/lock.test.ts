import test from 'ava';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { gzipSync } from 'node:zlib';
import { BuildError, SpecError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { run } from '../../src/lib/exec.js';
import { findIpvsadmRelease } from '../../src/packages/ipvsadm.js';
import { loadSpec } from '../../src/spec/load.js';
import { checkLock, computeLock, readLock } from '../../src/stages/lock.js';
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

function sampleLock(): Lock {
  return {
    lockVersion: 1,
    kernel: {
      version: '6.1',
      release: '6.1.192',
      origin: 'debian:linux-source-6.1',
      sha256: 'k'.repeat(64),
      ipvsVersion: '1.2.1',
      ipvsVersionFrom: 'include/uapi/linux/ip_vs.h in the kernel source',
    },
    ipvsadm: {
      version: '1.31',
      link: 'static',
      origin: 'debian:ipvsadm',
      sha256: 'i'.repeat(64),
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

test('parseLock names the file when it is not a lock', (t) => {
  t.throws(() => parseLock('{', 'images/a.lock'), {
    instanceOf: SpecError,
    message: /^images\/a\.lock: not valid JSON/,
  });
  t.throws(() => parseLock('{"lockVersion": 9}', 'images/a.lock'), {
    instanceOf: SpecError,
    message: /not a lock file of format 1/,
  });
});

test('diffLock: no drift for equal pins; unknown notes and provenance are not compared', (t) => {
  t.deepEqual(diffLock(sampleLock(), { ...sampleLock(), unknown: ['a note'] }), []);
  const now = sampleLock();
  now.ipvsadm.ipvsVersionFrom = 'catalog (bundled libipvs/ip_vs.h)';
  t.deepEqual(diffLock(sampleLock(), now), []);
  now.ipvsadm.ipvsVersion = '1.2.0';
  t.deepEqual(diffLock(sampleLock(), now), ['ipvsadm.ipvsVersion: locked 1.2.1, now 1.2.0']);
});

test('diffLock shows each changed hash and version', (t) => {
  const now = sampleLock();
  now.ipvsadm.sha256 = 'j'.repeat(64);
  now.compiler = 'gcc 13';
  t.deepEqual(diffLock(sampleLock(), now), [
    'compiler: locked gcc (Debian 12.2.0-14+deb12u1) 12.2.0, now gcc 13',
    `ipvsadm.sha256: locked ${'i'.repeat(64)}, now ${'j'.repeat(64)}`,
  ]);
});

test('diffLock: a kernel bumped without its ipvsadm re-checked says so', (t) => {
  const now = sampleLock();
  now.kernel.release = '6.1.200';
  now.kernel.sha256 = 'n'.repeat(64);
  now.ipvsadm.checkedWithKernel = { release: '6.1.200', sha256: 'n'.repeat(64) };
  const lines = diffLock(sampleLock(), now);
  t.true(lines.includes('kernel.release: locked 6.1.192, now 6.1.200'));
  t.true(
    lines.some((l) =>
      /^kernel changed \(6\.1\.192 → 6\.1\.200\) but ipvsadm 1\.31 was checked against 6\.1\.192: re-check the pair/.test(
        l,
      ),
    ),
  );
});

test('images/dsas-2006.lock pins ipvsadm 1.24 by its published sha256 and marks the unknowns', async (t) => {
  const text = await readFile('images/dsas-2006.lock', 'utf8');
  const lock = parseLock(text, 'images/dsas-2006.lock');
  t.is(serializeLock(lock), text);
  const published = findIpvsadmRelease('1.24').sources[0];
  t.is(lock.ipvsadm.version, '1.24');
  t.is(lock.ipvsadm.sha256, '773cbada48061e3afafaeaa2800d5382b8ff638b2c929293c14a793112a0642a');
  t.is(lock.ipvsadm.sha256, published?.sha256 ?? 'no published sha256');
  t.true(published?.urls.includes(lock.ipvsadm.origin));
  t.is(lock.kernel.version, '2.6.16.27');
  t.is(lock.kernel.sha256, null);
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

integrationTest(
  'images/dsas-lv1.lock matches the real sources; --frozen refuses drift and names it',
  ['gcc', 'apt-get', 'xz'],
  async (t) => {
    const loaded = await loadSpec('images/dsas-lv1.yaml');
    const current = await computeLock(loaded.spec, io, { specDir: 'images' });
    t.deepEqual(diffLock((await readLock('images/dsas-lv1.yaml'))?.lock ?? sampleLock(), current), []);
    t.deepEqual(await checkLock('images/dsas-lv1.yaml', loaded.spec, io, { specDir: 'images' }), current);

    const dir = await mkdtemp(path.join(tmpdir(), 'lvs-frozen-'));
    const specFile = path.join(dir, 'dsas-lv1.yaml');
    await copyFile('images/dsas-lv1.yaml', specFile);
    const old: Lock = JSON.parse(serializeLock(current)) as Lock;
    old.kernel.release = '6.1.100';
    old.kernel.sha256 = '0'.repeat(64);
    old.ipvsadm.checkedWithKernel = { release: '6.1.100', sha256: '0'.repeat(64) };
    old.ipvsadm.sha256 = 'f'.repeat(64);
    await writeFile(lockFileFor(specFile), serializeLock(old));
    const err = await t.throwsAsync(checkLock(specFile, loaded.spec, io, { specDir: dir }), {
      instanceOf: SpecError,
    });
    const messages = err.problems.map((p) => p.message);
    t.true(
      messages.includes(`ipvsadm.sha256: locked ${'f'.repeat(64)}, now ${current.ipvsadm.sha256 ?? ''}`),
    );
    t.true(messages.includes(`kernel.release: locked 6.1.100, now ${current.kernel.release ?? ''}`));
    t.true(messages.some((m) => m.startsWith('kernel changed (6.1.100 → ')));
    t.true(err.problems.every((p) => p.file === lockFileFor(specFile)));
  },
);

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
  } as never;
  const fakeIo: StageIo = {
    run: () => Promise.resolve({ stdout: 'gcc (fake) 1.0\nmore\n', stderr: '', exitCode: 0 }),
    log: () => undefined,
  };
  const lock = await computeLock(spec, fakeIo, { specDir: dir });
  t.is(lock.kernel.origin, 'vmlinuz');
  t.is(lock.kernel.release, '6.1.0-56-amd64');
  t.is(lock.kernel.sha256, sha256(fakeBzImage('6.1.0-56-amd64')));
  t.is(lock.kernel.ipvsVersion, '1.2.1');
  t.is(lock.ipvsadm.sha256, sha256(tarball));
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
    message: new RegExp(`linux\\.tar\\.gz: sha256 mismatch\\n  expected ${'a'.repeat(64)}`),
  });
});
