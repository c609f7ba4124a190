import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StageIo } from '../../src/context.js';
import { BuildError, SpecError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { sha256 } from '../../src/lib/fs.js';
import { computeLock } from '../../src/stages/lock.js';
import { diffLock } from '../../src/stages/lock/lock-file.js';
import { planSources, provideSources } from '../../src/stages/sources.js';
import { applyGc, exportSources, importSources, planGc } from '../../src/stages/sources/bundle.js';
import { listStored, lookupStored, putStored } from '../../src/stages/sources/store.js';
import { useFakeDebian } from '../_helpers/fake-debian.js';
import { makeTar } from '../_helpers/tarball.js';

// The fake Debian (apt-get, apt-cache, dpkg-query) comes first on PATH for this file's process.
const { debian, work } = await useFakeDebian('lvs-sources-');

const logs: string[] = [];
const io: StageIo = { run, log: (l) => logs.push(l) };

/** A small kernel tarball (Makefile + IPVS header) and an ipvsadm one; `rev` changes the bytes, not the contents' meaning. */
async function kernelTarball(rev: string): Promise<Buffer> {
  return gzipSync(
    await makeTar([
      { name: 'linux-9.9.1/Makefile', content: `VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 1\n# ${rev}\n` },
      { name: 'linux-9.9.1/include/uapi/linux/ip_vs.h', content: '#define IP_VS_VERSION_CODE\t0x010201\n' },
    ]),
  );
}
async function ipvsadmTarball(rev: string): Promise<Buffer> {
  return gzipSync(
    await makeTar([
      { name: 'ipvsadm-1.31/libipvs/ip_vs.h', content: '#define IP_VS_VERSION_CODE\t0x010201\n' },
      { name: 'ipvsadm-1.31/README', content: `${rev}\n` },
    ]),
  );
}

const MEMBER = '/usr/src/linux-source-9.9.tar.xz';
const spec = {
  kernel: { version: '9.9', source: { debian: 'linux-source-9.9' } },
  // A source package the catalog does not pin, so the archive's bytes decide.
  ipvsadm: { version: '1.31', source: { debian: 'ipvsadm-fake' } },
  // Firmware packages are test/stages/firmware-sources.test.ts's.
  hardware: { firmware: 'none' },
} as never;

/** Debian ships build A of both packages (installed), as on the day the lock is written. */
async function shipA(): Promise<{ kernel: Buffer; ipvsadm: Buffer }> {
  const kernel = await kernelTarball('A');
  const ipvsadm = await ipvsadmTarball('A');
  debian.publishBinary('linux-source-9.9', '9.9.1-2', MEMBER, kernel);
  debian.install('linux-source-9.9');
  debian.publishSource('ipvsadm-fake', '1:1.31-1', { name: 'ipvsadm-fake_1.31.orig.tar.gz', bytes: ipvsadm });
  return { kernel, ipvsadm };
}

/** Debian rebuilds both (same upstream versions, new bytes); the old builds are gone from the archive. */
async function shipB(): Promise<void> {
  debian.publishBinary('linux-source-9.9', '9.9.1-3', MEMBER, await kernelTarball('B'));
  debian.install('linux-source-9.9');
  debian.publishSource('ipvsadm-fake', '1:1.31-2', {
    name: 'ipvsadm-fake_1.31.orig.tar.gz',
    bytes: await ipvsadmTarball('B'),
  });
}

const storeOf = (name: string): string => path.join(work, name);

test.serial(
  'a lock names the Debian versions; after a rebuild the frozen sources come from the store',
  async (t) => {
    const store = storeOf('store-1');
    const a = await shipA();
    const lock = await computeLock(spec, io, { store });
    t.deepEqual(lock.kernel.source?.origin, {
      kind: 'debian-binary',
      package: 'linux-source-9.9',
      version: '9.9.1-2',
      member: MEMBER,
    });
    t.is(lock.kernel.source?.sha256, sha256(a.kernel));
    t.is(lock.kernel.release, '9.9.1');
    t.is(
      lock.ipvsadm.source.origin.kind === 'debian-source' && lock.ipvsadm.source.origin.version,
      '1:1.31-1',
    );
    t.is(lock.ipvsadm.source.sha256, sha256(a.ipvsadm));

    await shipB();
    const now = await computeLock(spec, io, { store: storeOf('store-now') });
    const drift = diffLock(lock, now);
    t.true(
      drift.includes(
        `kernel: linux-source-9.9 9.9.1-2 (sha256 ${sha256(a.kernel).slice(0, 8)}…) is locked; Debian now ships 9.9.1-3 (${now.kernel.source?.sha256?.slice(0, 8) ?? ''}…)`,
      ),
      drift.join('\n'),
    );
    t.true(
      drift.some(
        (l) =>
          l.startsWith('ipvsadm: ipvsadm-fake 1:1.31-1 (sha256 ') && l.includes('Debian now ships 1:1.31-2'),
      ),
    );

    const got = await provideSources(planSources(spec, '.', { lock, file: 'x.lock' }), io, { store });
    t.is(got.kernel?.sha256, sha256(a.kernel));
    t.is(got.kernel?.via, 'store');
    t.deepEqual(await readFile(got.kernel?.path ?? ''), a.kernel);
    t.is(got.ipvsadm?.sha256, sha256(a.ipvsadm));
    t.is(got.ipvsadm?.via, 'store');
  },
);

test.serial(
  'locked bytes absent everywhere: one error naming every place tried and both ways out',
  async (t) => {
    const a = await shipA();
    const lock = await computeLock(spec, io, { store: storeOf('store-2') });
    await shipB();
    const empty = storeOf('store-2-empty');
    const err = await t.throwsAsync(
      provideSources(planSources(spec, '.', { lock, file: 'x.lock' }), io, {
        store: empty,
        specFile: 'site.yaml',
      }),
      { instanceOf: BuildError },
    );
    t.regex(err.message, /^2 source\(s\) cannot be had:/);
    t.true(
      err.message.includes(
        `kernel: the locked source linux-source-9.9 9.9.1-2 (sha256 ${sha256(a.kernel)}) is nowhere`,
      ),
    );
    t.regex(err.message, /installed linux-source-9\.9 9\.9\.1-3 has other bytes/);
    t.regex(err.message, /apt-get download linux-source-9\.9=9\.9\.1-2: E: Can not find version '9\.9\.1-2'/);
    t.regex(err.message, /apt-get source ipvsadm-fake: Debian now ships 1:1\.31-2/);
    t.regex(err.message, /apt-get source ipvsadm-fake=1:1\.31-1: E: Can not find version/);
    t.regex(err.hint ?? '', /lvs-image lock site\.yaml/);
    t.regex(err.hint ?? '', /lvs-image sources import/);
    t.deepEqual(await listStored(empty), []);
  },
);

test.serial('offline: nothing is downloaded, and the error says so', async (t) => {
  await shipA();
  const lock = await computeLock(spec, io, { store: storeOf('store-3') });
  await shipB();
  const err = await t.throwsAsync(
    provideSources(planSources(spec, '.', { lock, file: 'x.lock' }), io, {
      store: storeOf('store-3-empty'),
      offline: true,
    }),
    { instanceOf: BuildError },
  );
  t.regex(err.message, /apt-get download linux-source-9\.9=9\.9\.1-2: not tried: offline/);
  t.regex(err.message, /apt-get source ipvsadm-fake: not tried: offline/);
});

test.serial(
  'a store entry whose bytes no longer match its name is moved aside and fetched again',
  async (t) => {
    const store = storeOf('store-4');
    const a = await shipA();
    const lock = await computeLock(spec, io, { store });
    const sha = sha256(a.ipvsadm);
    const entry = await lookupStored(store, sha);
    await writeFile(entry?.path ?? '', 'bit rot');
    const seen: string[] = [];
    const got = await provideSources(
      planSources(spec, '.', { lock, file: 'x.lock' }),
      { run, log: (l) => seen.push(l) },
      { store },
    );
    t.is(got.ipvsadm?.via, 'fetched', 'Debian still ships A: fetched again');
    t.deepEqual(await readFile(got.ipvsadm?.path ?? ''), a.ipvsadm);
    t.true(seen.some((l) => l.includes('no longer matches its name') && l.includes('.quarantine')));
    t.is(readdirSync(path.join(store, '.quarantine')).length, 1);
  },
);

test.serial(
  'export and import carry the locked sources; a wrong file is refused and nothing is stored',
  async (t) => {
    const store = storeOf('store-5');
    const a = await shipA();
    const lock = await computeLock(spec, io, { store });
    const bundle = path.join(work, 'bundle');
    const manifest = await exportSources(store, [{ file: 'site.lock', lock }], bundle);
    t.deepEqual(manifest.sources.map((s) => s.sha256).sort(), [sha256(a.ipvsadm), sha256(a.kernel)].sort());
    t.true(manifest.sources.every((s) => s.usedBy.includes('site.lock')));

    const other = storeOf('store-5-other');
    const stored = await importSources(other, [bundle], new Map());
    t.is(stored.length, 2);
    t.is((await lookupStored(other, sha256(a.kernel)))?.origins[0]?.kind, 'debian-binary');

    const tampered = storeOf('store-5-tampered');
    const kernelEntry = manifest.sources.find((s) => s.sha256 === sha256(a.kernel));
    await writeFile(path.join(bundle, kernelEntry?.sha256 ?? '', kernelEntry?.file ?? ''), 'not the kernel');
    const err = await t.throwsAsync(importSources(tampered, [bundle], new Map()), { instanceOf: SpecError });
    t.regex(err.message, /sha256 mismatch: the manifest says/);
    t.deepEqual(await listStored(tampered), [], 'nothing stored, not even the good file');

    const loose = path.join(work, 'stray.tar.gz');
    await writeFile(loose, 'something else');
    const loose1 = await t.throwsAsync(importSources(tampered, [loose], new Map()), {
      instanceOf: SpecError,
    });
    t.regex(loose1.message, /no given lock pins this file/);
    const known = new Map([[sha256(a.ipvsadm), lock.ipvsadm.source]]);
    const fine = path.join(work, 'ipvsadm-fake_1.31.orig.tar.gz');
    await writeFile(fine, a.ipvsadm);
    t.is((await importSources(tampered, [fine], known))[0]?.sha256, sha256(a.ipvsadm));
  },
);

test.serial('two writers of one entry at once: both succeed, no partial or leftover file', async (t) => {
  const store = storeOf('store-6');
  const big = Buffer.alloc(8 << 20, 7);
  const from = path.join(work, 'big.bin');
  await writeFile(from, big);
  const origin = { kind: 'path' as const, path: from };
  const [x, y] = await Promise.all([
    putStored(store, from, 'big.bin', origin, sha256(big)),
    putStored(store, from, 'big.bin', origin, null),
  ]);
  t.is(x.path, y.path);
  t.true((await readFile(x.path)).equals(big));
  t.deepEqual(readdirSync(path.join(store, '.incoming')), []);
  t.false(existsSync(path.join(store, sha256(Buffer.from('x')))));
  await t.throwsAsync(putStored(store, from, 'big.bin', origin, '0'.repeat(64)), {
    message: /sha256 mismatch/,
  });
});

test.serial(
  'gc removes what no lock names, the quarantine, and only stale leftovers of interrupted writes',
  async (t) => {
    const store = storeOf('store-7');
    const from = path.join(work, 'gc.bin');
    await writeFile(from, 'keep me');
    const kept = await putStored(store, from, 'gc.bin', { kind: 'path', path: from }, null);
    await writeFile(from, 'drop me');
    const dropped = await putStored(store, from, 'gc-old.bin', { kind: 'path', path: from }, null);
    const incoming = path.join(store, '.incoming');
    await writeFile(path.join(incoming, 'stale'), 'x');
    await writeFile(path.join(incoming, 'fresh'), 'x');
    await utimes(
      path.join(incoming, 'stale'),
      new Date(Date.now() - 2 * 86_400_000),
      new Date(Date.now() - 2 * 86_400_000),
    );
    const doomed = await planGc(store, new Set([kept.sha256]));
    t.deepEqual(
      doomed.map((e) => e.sha256),
      [dropped.sha256],
    );
    await applyGc(store, doomed);
    t.deepEqual(
      (await listStored(store)).map((e) => e.sha256),
      [kept.sha256],
    );
    t.deepEqual(readdirSync(incoming), ['fresh'], 'a write in progress elsewhere is left alone');
  },
);
