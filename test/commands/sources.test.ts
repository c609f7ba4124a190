/** `lvs-image sources list|export|import|gc` as a user runs them, on a store filled in-process. */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256 } from '../../src/lib/fs.js';
import { serializeLock, type Lock } from '../../src/stages/lock/lock-file.js';
import { putStored } from '../../src/stages/sources/store.js';
import { runCli } from '../_helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lvs-sources-cli-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const kernel = Buffer.from('kernel tarball bytes');
const ipvsadm = Buffer.from('ipvsadm tarball bytes');
const stray = Buffer.from('something no lock names');

/** A spec file (never loaded by these commands) with a lock pinning `kernel` and `ipvsadm`. */
function writeLocked(name: string): string {
  const spec = path.join(dir, `${name}.yaml`);
  writeFileSync(spec, 'name: x\n');
  const lock: Lock = {
    lockVersion: 2,
    kernel: {
      version: '6.1',
      release: '6.1.192',
      prebuilt: false,
      ipvsVersion: '1.2.1',
      ipvsVersionFrom: null,
      source: {
        file: 'linux-source-6.1.tar.xz',
        sha256: sha256(kernel),
        size: kernel.length,
        origin: {
          kind: 'debian-binary',
          package: 'linux-source-6.1',
          version: '6.1.192-2',
          member: '/usr/src/linux-source-6.1.tar.xz',
        },
      },
    },
    ipvsadm: {
      version: '1.31',
      link: 'static',
      ipvsVersion: '1.2.1',
      ipvsVersionFrom: null,
      checkedWithKernel: { release: '6.1.192', sha256: sha256(kernel) },
      source: {
        file: 'ipvsadm_1.31.orig.tar.gz',
        sha256: sha256(ipvsadm),
        size: ipvsadm.length,
        origin: { kind: 'url', url: 'https://example.org/i.tgz' },
      },
    },
    compiler: null,
    unknown: [],
  };
  writeFileSync(path.join(dir, `${name}.lock`), serializeLock(lock));
  return spec;
}

async function fill(store: string): Promise<void> {
  for (const [bytes, name] of [
    [kernel, 'linux-source-6.1.tar.xz'],
    [ipvsadm, 'ipvsadm_1.31.orig.tar.gz'],
    [stray, 'stray.tar.gz'],
  ] as const) {
    const f = path.join(dir, `in-${name}`);
    writeFileSync(f, bytes);
    await putStored(store, f, name, { kind: 'path', path: f }, null);
  }
}

test('list names what each lock uses; gc is a dry run until --yes; --sources moves the store', async (t) => {
  const store = path.join(dir, 'store-a');
  await fill(store);
  const spec = writeLocked('site');
  const list = runCli(['--json', '--sources', store, 'sources', 'list', spec]);
  t.is(list.status, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { store: string; sources: { file: string; usedBy: string[] }[] };
  t.is(listed.store, store);
  t.deepEqual(
    listed.sources.map((s) => [s.file, s.usedBy.length]),
    [
      ['ipvsadm_1.31.orig.tar.gz', 1],
      ['linux-source-6.1.tar.xz', 1],
      ['stray.tar.gz', 0],
    ],
  );
  const dry = runCli(['sources', 'gc', spec], { env: { LVS_IMAGE_SOURCES: store } });
  t.regex(dry.stdout, /stray\.tar\.gz\nwould remove \(dry run; --yes removes\) 1 source\(s\)/);
  t.true(existsSync(path.join(store, sha256(stray))));
  const yes = runCli(['sources', 'gc', '--yes', spec], { env: { LVS_IMAGE_SOURCES: store } });
  t.regex(yes.stdout, /removed 1 source\(s\)/);
  t.false(existsSync(path.join(store, sha256(stray))));
  t.true(existsSync(path.join(store, sha256(kernel))));
});

test('export then import into another store; a tampered export is refused and nothing is stored', async (t) => {
  const store = path.join(dir, 'store-b');
  await fill(store);
  const spec = writeLocked('carry');
  const out = path.join(dir, 'carry-dir');
  const exp = runCli(['sources', 'export', spec, out], { env: { LVS_IMAGE_SOURCES: store } });
  t.is(exp.status, 0, exp.stderr);
  t.regex(exp.stdout, /2 source\(s\); import with `lvs-image sources import/);
  t.deepEqual(readdirSync(out).sort(), [sha256(ipvsadm), sha256(kernel), 'sources.json'].sort());

  const other = path.join(dir, 'store-c');
  const imp = runCli(['--json', 'sources', 'import', out], { env: { LVS_IMAGE_SOURCES: other } });
  t.is(imp.status, 0, imp.stderr);
  t.is((JSON.parse(imp.stdout) as { imported: unknown[] }).imported.length, 2);

  writeFileSync(path.join(out, sha256(ipvsadm), 'ipvsadm_1.31.orig.tar.gz'), 'tampered');
  const third = path.join(dir, 'store-d');
  const bad = runCli(['sources', 'import', out], { env: { LVS_IMAGE_SOURCES: third } });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /sha256 mismatch: the manifest says [0-9a-f]{64}, the file is [0-9a-f]{64}/);
  t.regex(bad.stderr, /nothing was written/);
  t.false(existsSync(path.join(third, sha256(kernel))), 'not even the good file');

  const again = runCli(['sources', 'export', spec, out], { env: { LVS_IMAGE_SOURCES: store } });
  t.is(again.status, 2, 'an existing export is never overwritten');
});

test('export names a source the store lacks', (t) => {
  const spec = writeLocked('empty');
  const r = runCli(['sources', 'export', spec, path.join(dir, 'nothing')], {
    env: { LVS_IMAGE_SOURCES: path.join(dir, 'store-empty') },
  });
  t.is(r.status, 1);
  t.regex(r.stderr, /kernel: linux-source-6\.1 6\.1\.192-2 \(sha256 [0-9a-f]{64}\) is not in /);
  t.regex(r.stderr, /lvs-image sources fetch SPEC/);
  t.false(existsSync(path.join(dir, 'nothing')));
});
