/**
 * Where a transfer's blocks come from: a file read ahead in large chunks (so the send loop never waits on a
 * read per block), or an in-memory buffer (netascii, which must be converted before it can be cut into blocks).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { writeDataHeader } from './tftp-packet.js';

/** DATA packets of a file by absolute block number (1-based, not wrapped). */
export interface BlockSource {
  /** Bytes the client will receive (after any netascii conversion). */
  readonly size: number;
  /** The whole DATA packet (header and payload) of block `n`, or undefined when its chunk is not loaded yet (call `load` first). */
  packet(n: number): Buffer | undefined;
  /** Loads the chunks covering blocks `from..to`; resolves at once when they are loaded. */
  load(from: number, to: number): Promise<void>;
  /** Forgets chunks wholly before block `n` (acknowledged data). */
  release(n: number): void;
  close(): Promise<void>;
}

/** Most iovecs one readv(2) takes (Linux UIO_MAXIOV). */
const IOV_MAX = 1024;

/** Read-ahead size: about 1 MiB, rounded to whole blocks and at least a window of blocks. */
function chunkBlocks(blksize: number, windowsize: number): number {
  return Math.max(windowsize * 2, Math.floor((1 << 20) / blksize));
}

class FileSource implements BlockSource {
  private readonly chunks = new Map<number, Buffer | Promise<Buffer>>();
  private readonly perChunk: number;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly blksize: number,
    windowsize: number,
  ) {
    this.perChunk = chunkBlocks(blksize, windowsize);
  }

  private chunkOf(n: number): number {
    return Math.floor((n - 1) / this.perChunk);
  }

  packet(n: number): Buffer | undefined {
    const chunk = this.chunks.get(this.chunkOf(n));
    if (chunk === undefined || chunk instanceof Promise) return undefined;
    const start = ((n - 1) % this.perChunk) * (this.blksize + 4);
    return chunk.subarray(start, Math.min(start + this.blksize + 4, chunk.length));
  }

  private fetch(c: number): Buffer | Promise<Buffer> {
    const have = this.chunks.get(c);
    if (have !== undefined) return have;
    const offset = c * this.perChunk * this.blksize;
    const length = Math.max(0, Math.min(this.perChunk * this.blksize, this.size - offset));
    const pending = this.readChunk(offset, length).then((buf) => {
      if (this.chunks.get(c) === pending) this.chunks.set(c, buf);
      return buf;
    });
    this.chunks.set(c, pending);
    return pending;
  }

  /**
   * Reads a chunk straight into ready-made DATA packets (readv scatters each block behind its 4-byte header),
   * so a send or resend is one buffer and nothing is copied.
   */
  private async readChunk(offset: number, length: number): Promise<Buffer> {
    const first = offset / this.blksize + 1;
    // A chunk that ends the file on a block boundary still owes the empty final block.
    const blocks =
      Math.ceil(length / this.blksize) +
      (offset + length === this.size && length % this.blksize === 0 ? 1 : 0);
    const out = Buffer.allocUnsafe(length + 4 * blocks);
    const slots: Buffer[] = [];
    for (let i = 0; i < blocks; i++) {
      const at = i * (this.blksize + 4);
      writeDataHeader(out, at, first + i);
      slots.push(out.subarray(at + 4, Math.min(at + 4 + this.blksize, 4 * (i + 1) + length)));
    }
    let got = 0;
    for (let i = 0; i < slots.length; i += IOV_MAX) {
      const batch = slots.slice(i, i + IOV_MAX).filter((b) => b.length > 0);
      if (batch.length === 0) continue;
      const { bytesRead } = await this.fh.readv(batch, offset + got);
      got += bytesRead;
      if (bytesRead < batch.reduce((n, b) => n + b.length, 0)) break; // file shrank under us: send what there is
    }
    return got === length ? out : out.subarray(0, got + 4 * Math.ceil(got / this.blksize));
  }

  async load(from: number, to: number): Promise<void> {
    const waits: Promise<Buffer>[] = [];
    for (let c = this.chunkOf(from); c <= this.chunkOf(to); c++) {
      const got = this.fetch(c);
      if (got instanceof Promise) waits.push(got);
    }
    // Read one chunk ahead so the next window rarely waits for the disk.
    if (this.chunkOf(to) * this.perChunk * this.blksize < this.size)
      void Promise.resolve(this.fetch(this.chunkOf(to) + 1)).catch(() => undefined);
    await Promise.all(waits);
  }

  private released = 0;

  release(n: number): void {
    const keepFrom = this.chunkOf(n);
    if (keepFrom === this.released) return; // once per chunk, not once per ACK
    this.released = keepFrom;
    for (const c of this.chunks.keys()) if (c < keepFrom) this.chunks.delete(c);
  }

  async close(): Promise<void> {
    this.chunks.clear();
    await this.fh.close();
  }
}

class BufferSource implements BlockSource {
  constructor(
    private readonly data: Buffer,
    private readonly blksize: number,
  ) {}
  get size(): number {
    return this.data.length;
  }
  packet(n: number): Buffer {
    const start = (n - 1) * this.blksize;
    const payload = this.data.subarray(start, Math.min(start + this.blksize, this.data.length));
    const out = Buffer.allocUnsafe(4 + payload.length);
    writeDataHeader(out, 0, n);
    payload.copy(out, 4);
    return out;
  }
  load(): Promise<void> {
    return Promise.resolve();
  }
  release(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Converts bytes to netascii (RFC 764): LF becomes CR LF, a bare CR becomes CR NUL. Pure. */
export function toNetascii(data: Buffer): Buffer {
  const out: number[] = [];
  for (const byte of data) {
    if (byte === 0x0a) out.push(0x0d, 0x0a);
    else if (byte === 0x0d) out.push(0x0d, 0x00);
    else out.push(byte);
  }
  return Buffer.from(out);
}

/** Netascii transfers are converted in memory; refuse files bigger than this (they are never text). */
export const NETASCII_MAX_BYTES = 16 * 1024 * 1024;

/** An opened file whose size is known; negotiation picks the block size, then `create` makes the source. */
export interface OpenedFile {
  /** Bytes the client will receive (netascii: after conversion), for the tsize option. */
  size: number;
  create(blksize: number, windowsize: number): BlockSource;
  /** Closes the file when no transfer is created (refused options). */
  discard(): Promise<void>;
}

/** Opens a file for one transfer; netascii files are read and converted whole, octet files read in chunks. */
export async function openBlockSource(
  file: string,
  mode: 'octet' | 'netascii',
  size: number,
): Promise<OpenedFile> {
  if (mode === 'netascii') {
    const data = toNetascii(await readFile(file));
    return {
      size: data.length,
      create: (blksize) => new BufferSource(data, blksize),
      discard: () => Promise.resolve(),
    };
  }
  const fh = await open(file, 'r');
  return {
    size,
    create: (blksize, windowsize) => new FileSource(fh, size, blksize, windowsize),
    discard: () => fh.close(),
  };
}
