/**
 * The initramfs stage: packs root filesystem entries into a compressed newc initrd, after an optional
 * uncompressed early segment (microcode). The entries are cut into
 * parts, each a complete newc archive with its own TRAILER!!!, compressed in parallel and concatenated; the
 * kernel unpacks such a concatenation part by part
 * (https://www.kernel.org/doc/html/latest/driver-api/early-userspace/buffer-format.html).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { batchChunks } from '../lib/batch.js';
import { type RootfsEntry, sortEntries, writeCpio, writeCpioBuffer } from '../lib/cpio.js';
import { COMPRESSORS, type Compression, checkCompression } from './initramfs/compressors.js';
import { splitEntries } from './initramfs/split.js';

export type { Compression } from './initramfs/compressors.js';

/** Options of packInitramfs. */
export interface PackOptions {
  compression: Compression;
  /** mtime of every entry (SOURCE_DATE_EPOCH). */
  epoch: number;
  /** Text of the kernel's .config; when given, the compression is checked against its CONFIG_RD_* options. */
  kernelConfig?: string;
  /**
   * Number of separately compressed parts (default 2). A fixed number, not the host's core count: the
   * output bytes depend on it, and two machines must build the same initrd.
   */
  parts?: number;
  /**
   * Entries of an uncompressed first segment (early microcode, src/stages/firmware/microcode.ts): the kernel's
   * early loader reads it before anything is unpacked, so it must come first and uncompressed.
   */
  early?: RootfsEntry[];
}

const BATCH_BYTES = 1 << 20;

/** Default part count: the 2 cores this project is measured on; changing it changes the output bytes. */
export const DEFAULT_PARTS = 2;

/** Writes a compressed newc initrd of `entries` to `outFile` (through a temporary file and a rename). */
export async function packInitramfs(
  entries: RootfsEntry[],
  opts: PackOptions,
  outFile: string,
): Promise<{ bytes: number; sha256: string }> {
  if (opts.kernelConfig !== undefined) checkCompression(opts.compression, opts.kernelConfig);
  const { compress } = COMPRESSORS[opts.compression];
  const parts = splitEntries(sortEntries(entries), opts.parts ?? DEFAULT_PARTS);
  // Every part compresses at once (zlib in the thread pool, xz/zstd as child processes); the results are
  // concatenated in part order, so timing never changes the bytes. The archive goes to the compressor in
  // 1 MiB batches: per-entry writes cost more than the compression of a small tree (bench/initramfs.ts).
  const compressed = await Promise.all(
    parts.map((part) => compress(batchChunks(writeCpio(part, { epoch: opts.epoch }), BATCH_BYTES))),
  );
  const early = opts.early ?? [];
  if (early.length > 0) compressed.unshift([await writeCpioBuffer(early, { epoch: opts.epoch })]);

  await mkdir(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const out = createWriteStream(tmp, { mode: 0o644 });
    for (const chunk of compressed.flat()) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, outFile);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { bytes, sha256: hash.digest('hex') };
}
