import test from 'ava';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BuildError } from '../../src/lib/errors.js';
import { checkEntryPath, detectCompression, extractTarball, readTarMembers } from '../../src/lib/tar.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeTar, type TarEntrySpec } from '../_helpers/tarball.js';

async function sandbox(): Promise<{ root: string; dest: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'lvs-tar-'));
  return { root, dest: path.join(root, 'scratch') };
}

async function writeTarGz(root: string, entries: TarEntrySpec[]): Promise<string> {
  const file = path.join(root, 'in.tar.gz');
  await writeFile(file, gzipSync(await makeTar(entries)));
  return file;
}

test('detectCompression reads the magic bytes', (t) => {
  t.is(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
  t.is(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])), 'xz');
  t.is(detectCompression(Buffer.from('BZh91AY&')), 'bzip2');
  t.is(detectCompression(Buffer.from('ipvsadm-')), 'none');
});

const unsafe: [string, string, string | null, RegExp][] = [
  ['../evil', 'file', null, /\.\./],
  ['a/../../evil', 'file', null, /\.\./],
  ['/etc/passwd', 'file', null, /absolute/],
  ['a/link', 'symlink', '../../etc', /outside/],
  ['link', 'symlink', '/etc', /absolute/],
  ['hard', 'link', '../outside', /outside/],
];
for (const [name, type, linkname, why] of unsafe) {
  test(`checkEntryPath refuses ${type} ${name}${linkname ? ` -> ${linkname}` : ''}`, (t) => {
    t.regex(checkEntryPath(name, type, linkname) ?? '', why);
  });
}

test('checkEntryPath accepts entries that stay inside', (t) => {
  t.is(checkEntryPath('ipvsadm-1.31/libipvs/ip_vs.h', 'file'), null);
  t.is(checkEntryPath('a/b/link', 'symlink', '../c'), null);
  t.is(checkEntryPath('a/hard', 'link', 'a/b'), null);
});

test('extractTarball writes a normal tarball and reports its top folder', async (t) => {
  const { root, dest } = await sandbox();
  const file = await writeTarGz(root, [
    { name: 'pkg-1.0/', type: 'directory' },
    { name: 'pkg-1.0/Makefile', content: 'all:\n' },
    { name: 'pkg-1.0/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'pkg-1.0/link', type: 'symlink', linkname: 'Makefile' },
  ]);
  const r = await extractTarball(file, dest);
  t.deepEqual(r.topLevel, ['pkg-1.0']);
  t.is(readFileSync(path.join(dest, 'pkg-1.0/Makefile'), 'utf8'), 'all:\n');
  t.is(lstatSync(path.join(dest, 'pkg-1.0/run.sh')).mode & 0o777, 0o755);
  t.true(lstatSync(path.join(dest, 'pkg-1.0/link')).isSymbolicLink());
});

const escapes: [string, TarEntrySpec[], string][] = [
  [
    'a ".." entry',
    [
      { name: 'pkg/ok', content: 'x' },
      { name: 'pkg/../../evil', content: 'pwned' },
    ],
    'pkg/../../evil',
  ],
  ['an absolute entry', [{ name: '/evil', content: 'pwned' }], '/evil'],
  [
    'a write through a symlink leading out',
    [
      { name: 'pkg/out', type: 'symlink', linkname: '../..' },
      { name: 'pkg/out/evil', content: 'pwned' },
    ],
    'pkg/out',
  ],
  [
    'a symlink chain leading out (each link looks inside on its own)',
    [
      { name: 'a/', type: 'directory' },
      { name: 'a/b', type: 'symlink', linkname: '..' },
      { name: 'a/b/c/', type: 'directory' },
      { name: 'a/b/c/l', type: 'symlink', linkname: '../..' },
      { name: 'a/b/c/l/evil', content: 'pwned' },
    ],
    'a/b/c/l',
  ],
  ['a hard link leading out', [{ name: 'pkg/h', type: 'link', linkname: '../evil' }], 'pkg/h'],
];
for (const [what, entries, named] of escapes) {
  test(`extractTarball refuses ${what}, names the entry and writes nothing outside`, async (t) => {
    const { root, dest } = await sandbox();
    const file = await writeTarGz(root, entries);
    const err = await t.throwsAsync(extractTarball(file, dest), { instanceOf: BuildError });
    t.true(err?.message.includes(`"${named}"`), err?.message);
    t.true(err?.message.includes(file));
    t.deepEqual((await readdir(root)).sort(), ['in.tar.gz', 'scratch']);
    t.false(existsSync(path.join(root, 'evil')));
  });
}

test('readTarMembers picks files without extracting and stops when it has enough', async (t) => {
  const { root } = await sandbox();
  const file = await writeTarGz(root, [
    { name: 'k/Makefile', content: 'VERSION = 6\n' },
    { name: 'k/include/uapi/linux/ip_vs.h', content: '#define IP_VS_VERSION_CODE 0x010201\n' },
    { name: 'k/zzz', content: 'later' },
  ]);
  const seen = await readTarMembers(
    file,
    () => true,
    (f) => f.size === 2,
  );
  t.deepEqual([...seen.keys()], ['k/Makefile', 'k/include/uapi/linux/ip_vs.h']);
  t.deepEqual(await readdir(root), ['in.tar.gz']);
});

integrationTest('readTarMembers and extractTarball read .tar.xz through xz -dc', ['xz'], async (t) => {
  const { root, dest } = await sandbox();
  const tarFile = path.join(root, 'in.tar');
  await writeFile(tarFile, await makeTar([{ name: 'p/a.txt', content: 'hello' }]));
  const { run } = await import('../../src/lib/exec.js');
  await run('xz', ['-z', tarFile], { timeoutMs: 60_000 });
  const members = await readTarMembers(`${tarFile}.xz`, (n) => n === 'p/a.txt');
  t.is(members.get('p/a.txt')?.toString(), 'hello');
  await extractTarball(`${tarFile}.xz`, dest);
  t.is(readFileSync(path.join(dest, 'p/a.txt'), 'utf8'), 'hello');
});

test('extractTarball refuses a hard link to a file the archive has not written', async (t) => {
  const { root, dest } = await sandbox();
  const file = await writeTarGz(root, [{ name: 'pkg/h', type: 'link', linkname: 'pkg/missing' }]);
  await t.throwsAsync(extractTarball(file, dest), {
    instanceOf: BuildError,
    message: /"pkg\/h": hard link target pkg\/missing is not in the archive/,
  });
});

integrationTest('readTarMembers reads .tar.bz2 through bzip2 -dc', ['bzip2'], async (t) => {
  const { root } = await sandbox();
  const tarFile = path.join(root, 'in.tar');
  await writeFile(
    tarFile,
    await makeTar([
      { name: 'linux-2.6.16.27/include/net/ip_vs.h', content: '#define IP_VS_VERSION_CODE 0x010201\n' },
    ]),
  );
  const { run } = await import('../../src/lib/exec.js');
  await run('bzip2', [tarFile], { timeoutMs: 60_000 });
  const members = await readTarMembers(`${tarFile}.bz2`, (n) => n.endsWith('/ip_vs.h'));
  t.is(
    members.get('linux-2.6.16.27/include/net/ip_vs.h')?.toString(),
    '#define IP_VS_VERSION_CODE 0x010201\n',
  );
});
