import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBlockSource, toNetascii, type BlockSource } from '../../src/serve/tftp-source.js';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lvsi-source-'));
});
test.after.always(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Walks every block as a transfer does (load, read, release behind) and checks header and payload. */
async function walk(
  source: BlockSource,
  data: Buffer,
  blksize: number,
  windowsize: number,
  reusable: boolean,
): Promise<string[]> {
  const wrong: string[] = [];
  const total = Math.floor(data.length / blksize) + 1;
  for (let base = 1; base <= total; base += windowsize) {
    const last = Math.min(total, base + windowsize - 1);
    await source.load(base, last);
    for (let n = base; n <= last; n++) {
      const p = source.packet(n);
      const want = data.subarray((n - 1) * blksize, Math.min(n * blksize, data.length));
      if (p === undefined) wrong.push(`block ${n}: not loaded`);
      else if (p.readUInt16BE(0) !== 3 || p.readUInt16BE(2) !== (n & 0xffff))
        wrong.push(`block ${n}: header ${p.subarray(0, 4).toString('hex')}`);
      else if (!p.subarray(4).equals(want)) wrong.push(`block ${n}: payload differs`);
    }
    source.release(last + 1, reusable);
  }
  await source.close();
  return wrong;
}

// 5 MiB + a bit: several full 1 MiB chunks (recycled when reusable), a short last chunk.
const sizes: [string, number, number, number][] = [
  ['many chunks, lock-step', 5 * 1024 * 1024 + 777, 1468, 1],
  ['many chunks, windowed', 5 * 1024 * 1024 + 777, 1468, 16],
  ['blksize 512 (two readv batches per chunk)', 3 * 1024 * 1024 + 5, 512, 8],
  ['ends on a chunk boundary (empty last block)', 714 * 1468 * 3, 1468, 16],
];
for (const [what, size, blksize, windowsize] of sizes)
  for (const reusable of [true, false])
    test(`file source: ${what}, chunks ${reusable ? 'recycled' : 'not recycled'}`, async (t) => {
      const data = randomBytes(size);
      const file = path.join(dir, `f-${size}-${blksize}-${windowsize}-${reusable}.bin`);
      await writeFile(file, data);
      const opened = await openBlockSource(file, 'octet', size);
      t.deepEqual(await walk(opened.create(blksize, windowsize), data, blksize, windowsize, reusable), []);
    });

test('a released chunk is gone: packet() says so and load() reads it again', async (t) => {
  const data = randomBytes(3 * 1024 * 1024);
  const file = path.join(dir, 'again.bin');
  await writeFile(file, data);
  const source = (await openBlockSource(file, 'octet', data.length)).create(1468, 16);
  await source.load(1, 16);
  source.release(2000, true); // past the first two chunks
  t.is(source.packet(1), undefined);
  await source.load(1, 1);
  t.true(source.packet(1)!.subarray(4).equals(data.subarray(0, 1468)));
  await source.close();
});

test('netascii: LF becomes CR LF, a bare CR becomes CR NUL', (t) => {
  t.deepEqual(toNetascii(Buffer.from('a\nb\rc\r\n')), Buffer.from('a\r\nb\r\0c\r\0\r\n'));
});
