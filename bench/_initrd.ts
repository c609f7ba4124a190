/** Reading initrds for the benches: which compression an image uses, and the names in every archive of it. */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Compression } from '../src/stages/initramfs.js';

/** Leading bytes of each compression's output (and of a bare newc archive). */
const MAGIC: Record<Compression, string> = {
  gzip: '1f8b',
  xz: 'fd377a585a00',
  zstd: '28b52ffd',
  none: '303730373031',
};

/** The compression of an initrd, from its first bytes. */
export function initrdCompression(file: string): Compression {
  const head = Buffer.alloc(6);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 6, 0);
  } finally {
    closeSync(fd);
  }
  const hex = head.toString('hex');
  const found = (Object.keys(MAGIC) as Compression[]).find((c) => hex.startsWith(MAGIC[c]));
  if (found === undefined) throw new Error(`${file}: not a gzip, xz, zstd or newc initrd (starts ${hex})`);
  return found;
}

/**
 * Names in an initrd of one compression made of several archives (ours: one per part; lsinitramfs reads only
 * the first). Newc: https://www.kernel.org/doc/html/latest/driver-api/early-userspace/buffer-format.html
 */
export function initrdFiles(file: string): Set<string> {
  const c = initrdCompression(file);
  const tool = c === 'none' ? 'cat' : c;
  const r = spawnSync(tool, c === 'none' ? [file] : ['-dc', file], { timeout: 300_000, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${tool} -dc ${file}: status ${r.status}\n${r.stderr.toString()}`);
  const raw = r.stdout;
  const names = new Set<string>();
  for (let at = 0, guard = 0; at + 110 <= raw.length && guard < 1_000_000; guard++) {
    if (raw.toString('latin1', at, at + 6) !== '070701') {
      at += 4; // zero padding between archives
      continue;
    }
    const field = (i: number): number =>
      parseInt(raw.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [size, nameSize] = [field(6), field(11)];
    names.add(raw.toString('latin1', at + 110, at + 110 + nameSize - 1));
    at = (((at + 110 + nameSize + 3) & ~3) + size + 3) & ~3;
  }
  return names;
}
