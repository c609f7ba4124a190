import test from 'ava';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type RootfsEntry,
  encodeHeader,
  planInodes,
  sortEntries,
  writeCpioBuffer,
} from '../../src/lib/cpio.js';
import { integrationTest } from '../_helpers/integration.js';

const GOLDEN = path.join(import.meta.dirname, '../fixtures/golden/cpio/small.cpio');
const EPOCH = 1700000000;

/** A small tree with every entry kind, given out of order on purpose. */
const SMALL: RootfsEntry[] = [
  { type: 'file', path: '/init', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { type: 'symlink', path: '/bin/sh', target: 'busybox' },
  { type: 'dir', path: '/dev', mode: 0o755 },
  { type: 'char', path: '/dev/console', mode: 0o600, major: 5, minor: 1 },
  { type: 'block', path: '/dev/ram0', mode: 0o660, major: 1, minor: 0 },
  { type: 'dir', path: '/bin', mode: 0o755 },
  { type: 'file', path: '/bin/busybox', mode: 0o755, data: Buffer.from('BB'), linkGroup: 'bb' },
  { type: 'file', path: '/bin/ash', mode: 0o755, data: Buffer.from('BB'), linkGroup: 'bb' },
  { type: 'dir', path: '/etc', mode: 0o755 },
  { type: 'file', path: '/etc/empty', mode: 0o644, data: Buffer.alloc(0) },
  { type: 'file', path: '/etc/hostname', mode: 0o644, data: Buffer.from('lv1\n') },
];

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpio-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('small archive matches the golden file', async (t) => {
  const bytes = await writeCpioBuffer(SMALL, { epoch: EPOCH });
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(path.dirname(GOLDEN), { recursive: true });
    await writeFile(GOLDEN, bytes);
  }
  t.true((await readFile(GOLDEN)).equals(bytes));
});

test('header layout: magic, 13 hex fields, name, NUL, 4-byte padding', (t) => {
  const h = encodeHeader({
    ino: 1,
    mode: 0o100644,
    nlink: 1,
    mtime: 16,
    filesize: 3,
    rdevmajor: 0,
    rdevminor: 0,
    name: 'ab',
  });
  t.is(h.length, 116); // 110 + 'ab\0' = 113, padded to 116
  t.is(h.subarray(0, 6).toString(), '070701');
  t.is(h.subarray(6, 14).toString(), '00000001');
  t.is(h.subarray(14, 22).toString(), '000081a4');
  t.is(h.subarray(94, 102).toString(), '00000003'); // namesize includes the NUL
  t.deepEqual([...h.subarray(110)], [0x61, 0x62, 0, 0, 0, 0]);
});

test('order does not depend on input order; inodes renumbered from 1', async (t) => {
  const a = await writeCpioBuffer(SMALL, { epoch: EPOCH });
  const b = await writeCpioBuffer([...SMALL].reverse(), { epoch: EPOCH });
  t.true(a.equals(b));
  const planned = planInodes(sortEntries(SMALL));
  t.deepEqual(
    planned.map((p) => p.ino),
    [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
});

test('hard links share an inode, count nlink and carry data only on the last link', (t) => {
  const planned = planInodes(sortEntries(SMALL)).filter(
    (p) => p.entry.type === 'file' && p.entry.linkGroup === 'bb',
  );
  t.deepEqual(
    planned.map((p) => [p.entry.path, p.nlink, p.carriesData]),
    [
      ['/bin/ash', 2, false],
      ['/bin/busybox', 2, true],
    ],
  );
});

test('bytewise sort puts parents first and rejects duplicate paths', (t) => {
  const sorted = sortEntries([
    { type: 'dir', path: '/a/b', mode: 0o755 },
    { type: 'dir', path: '/a-b', mode: 0o755 },
    { type: 'dir', path: '/a', mode: 0o755 },
    { type: 'dir', path: '/B', mode: 0o755 },
  ]);
  t.deepEqual(
    sorted.map((e) => e.path),
    ['/B', '/a', '/a-b', '/a/b'],
  );
  t.throws(() => sortEntries([SMALL[0]!, SMALL[0]!]), { message: /two entries for the same path \/init/ });
});

test('mtime comes from the epoch argument', async (t) => {
  const a = await writeCpioBuffer(SMALL, { epoch: 0 });
  const b = await writeCpioBuffer(SMALL, { epoch: EPOCH });
  t.false(a.equals(b));
  t.is(b.subarray(6 + 5 * 8, 6 + 6 * 8).toString(), EPOCH.toString(16).padStart(8, '0'));
});

test('a host file whose size changed is reported', async (t) => {
  const dir = await tempDir(t);
  const f = path.join(dir, 'f');
  await writeFile(f, 'four');
  await t.throwsAsync(
    writeCpioBuffer([{ type: 'file', path: '/f', mode: 0o644, data: { file: f, size: 3 } }], { epoch: 0 }),
    {
      message: /changed size/,
    },
  );
});

integrationTest('GNU cpio lists and extracts the archive', ['cpio'], async (t) => {
  const dir = await tempDir(t);
  const archive = await writeCpioBuffer(SMALL, { epoch: EPOCH });
  const list = spawnSync('cpio', ['-t', '--quiet'], { input: archive });
  t.is(list.status, 0, list.stderr.toString());
  t.deepEqual(list.stdout.toString().trim().split('\n'), [
    'bin',
    'bin/ash',
    'bin/busybox',
    'bin/sh',
    'dev',
    'dev/console',
    'dev/ram0',
    'etc',
    'etc/empty',
    'etc/hostname',
    'init',
  ]);
  const out = path.join(dir, 'root');
  await mkdir(out);
  const ex = spawnSync(
    'cpio',
    ['-i', '-d', '--quiet', '--preserve-modification-time', '--no-absolute-filenames'],
    {
      input: archive,
      cwd: out,
    },
  );
  t.is(ex.status, 0, ex.stderr.toString());
  t.is(await readFile(path.join(out, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
  t.is((await stat(path.join(out, 'init'))).mode & 0o7777, 0o755);
  t.is((await stat(path.join(out, 'init'))).mtimeMs, EPOCH * 1000);
  t.is(await readlink(path.join(out, 'bin/sh')), 'busybox');
  const ash = await stat(path.join(out, 'bin/ash'));
  const bb = await stat(path.join(out, 'bin/busybox'));
  t.is(ash.ino, bb.ino);
  t.is(ash.nlink, 2);
  t.is(await readFile(path.join(out, 'bin/ash'), 'utf8'), 'BB');
  t.is((await readFile(path.join(out, 'etc/empty'))).length, 0);
  if (process.getuid?.() === 0) {
    const con = await lstat(path.join(out, 'dev/console'));
    t.true(con.isCharacterDevice());
    t.is(con.rdev, (5 << 8) | 1);
    t.true((await lstat(path.join(out, 'dev/ram0'))).isBlockDevice());
  }
});
