import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RootfsEntry } from '../../../src/lib/cpio.js';
import {
  fileServesCpu,
  makeMicrocodeBlob,
  microcodeEntries,
  selectMicrocodeFiles,
  servedCpus,
} from '../../../src/stages/firmware/microcode.js';
import { packInitramfs } from '../../../src/stages/initramfs.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-microcode-'));
test.after.always(() => rm(work, { recursive: true, force: true }));

test('a vendor blob: files in name order, a file repeating an earlier one once', (t) => {
  const blob = makeMicrocodeBlob('GenuineIntel', 'intel-microcode', [
    { name: '06-8f-05', bytes: Buffer.from('SPR') },
    { name: '06-3c-03', bytes: Buffer.from('HSW') },
    { name: '06-8f-04', bytes: Buffer.from('SPR') },
  ]);
  t.is(blob.path, '/kernel/x86/microcode/GenuineIntel.bin');
  t.is(blob.bytes.toString(), 'HSWSPR');
  t.deepEqual(blob.files, ['06-3c-03', '06-8f-04']);
});

const INTEL = ['06-55-04', '06-55-07', '06-55-0b', '06-8f-08', '06-9e-0a.initramfs', '0f-04-01'].map(
  (name) => ({ name }),
);
const AMD = [
  'microcode_amd.bin',
  'microcode_amd_fam15h.bin',
  'microcode_amd_fam17h.bin',
  'microcode_amd_fam19h.bin',
].map((name) => ({ name }));
const names = (files: { name: string }[]): string[] => files.map((f) => f.name);

test('Intel files by /proc/cpuinfo numbers: family, model, stepping in decimal against the hex file names', (t) => {
  t.true(fileServesCpu('06-55-07', { vendor: 'intel', family: 6, model: 85, stepping: 7 }));
  t.false(fileServesCpu('06-55-07', { vendor: 'intel', family: 6, model: 85, stepping: 4 }));
  t.true(fileServesCpu('06-9e-0a.initramfs', { vendor: 'intel', family: 6, model: 158 }), 'early-only copy');
  t.false(fileServesCpu('06-55-07', { vendor: 'amd', family: 6 }), 'an Intel file never serves AMD');
  const skx = selectMicrocodeFiles('intel', INTEL, [{ vendor: 'intel', family: 6, model: 85 }]);
  t.deepEqual(names(skx.files), ['06-55-04', '06-55-07', '06-55-0b']);
  t.deepEqual(skx.unserved, []);
  const p4 = selectMicrocodeFiles('intel', INTEL, [
    { vendor: 'intel', family: 15 },
    { vendor: 'amd', family: 25 },
  ]);
  t.deepEqual(names(p4.files), ['0f-04-01'], 'the AMD entry is the AMD package');
  t.deepEqual(selectMicrocodeFiles('intel', INTEL, 'all').files, INTEL);
});

test('AMD files per family: 10h-14h share microcode_amd.bin, later families have their own', (t) => {
  const zen = selectMicrocodeFiles('amd', AMD, [
    { vendor: 'amd', family: 23 },
    { vendor: 'amd', family: 25 },
    { vendor: 'amd', family: 16 },
    { vendor: 'intel', family: 6, model: 85 },
  ]);
  t.deepEqual(names(zen.files), [
    'microcode_amd.bin',
    'microcode_amd_fam17h.bin',
    'microcode_amd_fam19h.bin',
  ]);
  t.deepEqual(zen.unserved, []);
  t.false(fileServesCpu('microcode_amd.bin', { vendor: 'amd', family: 15 }), 'no loader before 10h');
});

test('a listed CPU no file serves is named, with what the package does serve', (t) => {
  const miss = selectMicrocodeFiles('intel', INTEL, [
    { vendor: 'intel', family: 6, model: 85, stepping: 9 },
    { vendor: 'intel', family: 6, model: 143 },
  ]);
  t.deepEqual(names(miss.files), ['06-8f-08']);
  t.deepEqual(miss.unserved, [{ vendor: 'intel', family: 6, model: 85, stepping: 9 }]);
  t.is(servedCpus('intel', names(INTEL)), 'family 6 models 85 143 158; family 15 models 4');
  t.deepEqual(selectMicrocodeFiles('amd', AMD, [{ vendor: 'amd', family: 26 }]).unserved, [
    { vendor: 'amd', family: 26 },
  ]);
  t.is(servedCpus('amd', names(AMD)), 'families 16 17 18 19 20 21 23 25');
});

/** The newc entries of one uncompressed archive at `at`: names and sizes, and where the archive ends. */
function readNewc(buf: Buffer, at = 0): { entries: { name: string; size: number }[]; end: number } {
  const entries: { name: string; size: number }[] = [];
  let p = at;
  for (;;) {
    if (buf.toString('latin1', p, p + 6) !== '070701') throw new Error(`no newc header at ${p}`);
    const field = (i: number): number => parseInt(buf.toString('latin1', p + 6 + i * 8, p + 14 + i * 8), 16);
    const [size, namesize] = [field(6), field(11)];
    const name = buf.toString('latin1', p + 110, p + 110 + namesize - 1);
    p = (p + 110 + namesize + 3) & ~3;
    p = (p + size + 3) & ~3;
    if (name === 'TRAILER!!!') return { entries, end: p };
    entries.push({ name, size });
  }
}

test('the early segment comes first, uncompressed, with exactly the two microcode files; same bytes twice', async (t) => {
  const blobs = [
    makeMicrocodeBlob('AuthenticAMD', 'amd64-microcode', [
      { name: 'microcode_amd.bin', bytes: Buffer.alloc(100, 1) },
    ]),
    makeMicrocodeBlob('GenuineIntel', 'intel-microcode', [
      { name: '06-55-04', bytes: Buffer.alloc(5000, 2) },
    ]),
  ];
  const rootfs: RootfsEntry[] = [
    { type: 'file', path: '/init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    { type: 'dir', path: '/dev', mode: 0o755 },
  ];
  const opts = { compression: 'gzip' as const, epoch: 1, early: microcodeEntries(blobs) };
  await packInitramfs(rootfs, opts, path.join(work, 'a.img'));
  await packInitramfs(rootfs, opts, path.join(work, 'b.img'));
  const img = await readFile(path.join(work, 'a.img'));
  t.true(img.equals(await readFile(path.join(work, 'b.img'))), 'reproducible');
  const early = readNewc(img);
  t.deepEqual(
    early.entries.filter((e) => e.size > 0),
    [
      { name: 'kernel/x86/microcode/AuthenticAMD.bin', size: 100 },
      { name: 'kernel/x86/microcode/GenuineIntel.bin', size: 5000 },
    ],
  );
  t.deepEqual(
    early.entries.map((e) => e.name),
    [
      'kernel',
      'kernel/x86',
      'kernel/x86/microcode',
      'kernel/x86/microcode/AuthenticAMD.bin',
      'kernel/x86/microcode/GenuineIntel.bin',
    ],
  );
  // What follows is the compressed image, as before.
  t.is(img.readUInt16BE(early.end), 0x1f8b);
  t.true(gunzipSync(img.subarray(early.end)).toString('latin1').includes('init'));
  t.deepEqual(microcodeEntries([]), [], 'no microcode: no segment');
});
