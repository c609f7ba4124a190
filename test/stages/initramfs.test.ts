import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RootfsEntry } from '../../src/lib/cpio.js';
import { SpecError } from '../../src/lib/errors.js';
import { packInitramfs } from '../../src/stages/initramfs.js';
import { checkCompression } from '../../src/stages/initramfs/compressors.js';
import { splitEntries } from '../../src/stages/initramfs/split.js';
import { integrationTest } from '../_helpers/integration.js';

/** Names in a (decompressed) concatenation of newc archives, with '--' for each TRAILER!!!. */
function listNewc(buf: Buffer): string[] {
  const names: string[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) {
      off++;
      continue;
    }
    if (buf.subarray(off, off + 6).toString() !== '070701') throw new Error(`bad magic at ${off}`);
    const field = (i: number) => parseInt(buf.subarray(off + 6 + i * 8, off + 14 + i * 8).toString(), 16);
    const filesize = field(6);
    const namesize = field(11);
    const name = buf.subarray(off + 110, off + 110 + namesize - 1).toString();
    names.push(name === 'TRAILER!!!' ? '--' : name);
    off += Math.ceil((110 + namesize) / 4) * 4;
    off += Math.ceil(filesize / 4) * 4;
  }
  return names;
}

function tree(): RootfsEntry[] {
  const entries: RootfsEntry[] = [
    { type: 'dir', path: '/bin', mode: 0o755 },
    { type: 'dir', path: '/etc', mode: 0o755 },
  ];
  for (let i = 0; i < 20; i++) {
    // f09 and f12 are hard links, straddling the middle of the tree.
    const linked = i === 9 || i === 12;
    entries.push({
      type: 'file',
      path: `/etc/f${String(i).padStart(2, '0')}`,
      mode: 0o644,
      data: linked ? Buffer.alloc(1000, 9) : Buffer.alloc(1000 + i, i),
      ...(linked ? { linkGroup: 'g' } : {}),
    });
  }
  entries.push({ type: 'char', path: '/dev/console', mode: 0o600, major: 5, minor: 1 });
  entries.push({ type: 'dir', path: '/dev', mode: 0o755 });
  return entries;
}

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'initramfs-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('splitEntries keeps order, balances size and never splits a hard-link group', (t) => {
  const sorted = [...tree()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const parts = splitEntries(sorted, 2);
  t.is(parts.length, 2);
  t.deepEqual(parts.flat(), sorted);
  // The balanced cut would fall between the linked /etc/f09 and /etc/f12; it must move past /etc/f12.
  const first = parts[0]!.map((e) => e.path);
  t.true(first.includes('/etc/f09') && first.includes('/etc/f12'));
  t.is(parts[1]![0]!.path, '/etc/f13');
  t.is(splitEntries(sorted.slice(0, 1), 4).length, 1);
  t.deepEqual(splitEntries([], 2), []);
});

test('splitEntries cuts near half the weight when nothing blocks it', (t) => {
  const files: RootfsEntry[] = Array.from({ length: 10 }, (_, i) => ({
    type: 'file' as const,
    path: `/f${i}`,
    mode: 0o644,
    data: Buffer.alloc(1000),
  }));
  t.deepEqual(
    splitEntries(files, 2).map((p) => p.length),
    [5, 5],
  );
});

test('compression is checked against CONFIG_RD_* and the error names the option', (t) => {
  const config = 'CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\n# CONFIG_RD_XZ is not set\n';
  t.notThrows(() => checkCompression('gzip', config));
  t.notThrows(() => checkCompression('none', config));
  const err = t.throws(() => checkCompression('xz', config), { instanceOf: SpecError });
  t.regex(err.message, /CONFIG_RD_XZ=y/);
  t.regex(err.message, /choose one of: gzip, none/);
  t.throws(() => checkCompression('none', 'CONFIG_RD_GZIP=y\n'), { message: /CONFIG_BLK_DEV_INITRD=y/ });
});

test('gzip output has no file name and mtime 0, and parts are concatenated gzip members', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'initrd.img');
  const r = await packInitramfs(tree(), { compression: 'gzip', epoch: 1, parts: 2 }, out);
  const bytes = await readFile(out);
  t.is(r.bytes, bytes.length);
  t.deepEqual([...bytes.subarray(0, 8)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
  t.deepEqual(await readdir(dir), ['initrd.img']);
});

test('none: a bare concatenation of complete newc archives holding every entry once', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'initrd.img');
  await packInitramfs(tree(), { compression: 'none', epoch: 1, parts: 3 }, out);
  const names = listNewc(await readFile(out));
  t.is(names.filter((n) => n === '--').length, 3);
  t.is(names.at(-1), '--');
  t.is(names.filter((n) => n !== '--').length, tree().length);
});

test('an unusable compression fails before writing anything', async (t) => {
  const dir = await tempDir(t);
  await t.throwsAsync(
    packInitramfs(
      tree(),
      { compression: 'zstd', epoch: 1, kernelConfig: 'CONFIG_BLK_DEV_INITRD=y\n' },
      path.join(dir, 'x'),
    ),
    { message: /CONFIG_RD_ZSTD=y/ },
  );
  t.deepEqual(await readdir(dir), []);
});

const DECOMPRESS = { gzip: ['gzip', '-dc'], xz: ['xz', '-dc'], zstd: ['zstd', '-dc'] } as const;
for (const c of ['gzip', 'xz', 'zstd'] as const) {
  integrationTest(
    `${c}: host tool decompresses all parts to the full archive`,
    [DECOMPRESS[c][0]],
    async (t) => {
      const dir = await tempDir(t);
      const out = path.join(dir, 'initrd.img');
      await packInitramfs(tree(), { compression: c, epoch: 1, parts: 2 }, out);
      const [tool, ...args] = DECOMPRESS[c];
      const r = spawnSync(tool, [...args, out], { maxBuffer: 1 << 26 });
      t.is(r.status, 0, r.stderr.toString());
      const names = listNewc(r.stdout);
      t.is(names.filter((n) => n === '--').length, 2);
      t.deepEqual(
        names.filter((n) => n !== '--').sort(),
        tree()
          .map((e) => e.path.slice(1))
          .sort(),
      );
      if (c === 'xz') {
        const list = spawnSync('xz', ['--robot', '--list', out]).stdout.toString();
        t.regex(list, /\tCRC32\t/);
        t.notRegex(list, /CRC64/);
      }
    },
  );
}
