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
  /**
   * Forgets chunks wholly before block `n` (acknowledged data). `reusable`: no send still holds their memory
   * (the socket's send queue is empty), so it may be reused for chunks read later.
   */
  release(n: number, reusable: boolean): void;
  close(): Promise<void>;
}

/** Most iovecs one readv(2) takes (Linux UIO_MAXIOV). */
const IOV_MAX = 1024;

/** Read-ahead size: about 1 MiB, rounded to whole blocks and at least a window of blocks. */
function chunkBlocks(blksize: number, windowsize: number): number {
  return Math.max(windowsize * 2, Math.floor((1 << 20) / blksize));
}

/** A chunk of ready-made DATA packets: `packets[i]` is block `first + i`, header and payload, views into `buf`. */
interface Chunk {
  buf: Buffer;
  packets: Buffer[];
  /** The payload part of each packet, where readv puts the file's bytes. */
  payloads: Buffer[];
}

/** Released chunks kept for reuse: enough for the chunk being sent and the one read ahead. */
const SPARE_CHUNKS = 2;

class FileSource implements BlockSource {
  private readonly chunks = new Map<number, Chunk | Promise<Chunk>>();
  private readonly perChunk: number;
  // NOTE: a fresh 1 MiB buffer per chunk costs a page fault per 4 KiB page on first touch (about a tenth of
  // the server's time in a windowed transfer here); full-size chunks are recycled instead.
  private readonly spare: Chunk[] = [];
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
    return chunk.packets[(n - 1) % this.perChunk];
  }

  private fetch(c: number): Chunk | Promise<Chunk> {
    const have = this.chunks.get(c);
    if (have !== undefined) return have;
    const offset = c * this.perChunk * this.blksize;
    const length = Math.max(0, Math.min(this.perChunk * this.blksize, this.size - offset));
    const pending = this.readChunk(offset, length).then((chunk) => {
      if (this.chunks.get(c) === pending) this.chunks.set(c, chunk);
      return chunk;
    });
    this.chunks.set(c, pending);
    return pending;
  }

  /** Packet and payload views for `blocks` blocks of `payloadBytes` file bytes laid out in `buf`. */
  private layout(buf: Buffer, blocks: number, payloadBytes: number): Chunk {
    const packets: Buffer[] = [];
    const payloads: Buffer[] = [];
    for (let i = 0; i < blocks; i++) {
      const at = i * (this.blksize + 4);
      const end = Math.min(at + 4 + this.blksize, 4 * (i + 1) + payloadBytes);
      packets.push(buf.subarray(at, end));
      payloads.push(buf.subarray(at + 4, end));
    }
    return { buf, packets, payloads };
  }

  /**
   * Reads a chunk straight into ready-made DATA packets (readv scatters each block behind its 4-byte header),
   * so a send or resend is one buffer and nothing is copied.
   */
  private async readChunk(offset: number, length: number): Promise<Chunk> {
    const first = offset / this.blksize + 1;
    // A chunk that ends the file on a block boundary still owes the empty final block.
    const blocks =
      Math.ceil(length / this.blksize) +
      (offset + length === this.size && length % this.blksize === 0 ? 1 : 0);
    const full = blocks === this.perChunk && length === this.perChunk * this.blksize;
    const chunk =
      (full ? this.spare.pop() : undefined) ??
      this.layout(Buffer.allocUnsafe(length + 4 * blocks), blocks, length);
    for (let i = 0; i < blocks; i++) writeDataHeader(chunk.buf, i * (this.blksize + 4), first + i);
    let got = 0;
    for (let i = 0; i < blocks; i += IOV_MAX) {
      const batch = chunk.payloads.slice(i, i + IOV_MAX).filter((b) => b.length > 0);
      if (batch.length === 0) continue;
      const { bytesRead } = await this.fh.readv(batch, offset + got);
      got += bytesRead;
      if (bytesRead < batch.reduce((n, b) => n + b.length, 0)) break; // file shrank under us: send what there is
    }
    if (got === length) return chunk;
    // The file shrank under us: send what there is (a fresh layout, never back into the spares).
    return this.layout(
      chunk.buf.subarray(0, got + 4 * Math.ceil(got / this.blksize)),
      Math.ceil(got / this.blksize),
      got,
    );
  }

  async load(from: number, to: number): Promise<void> {
    const waits: Promise<Chunk>[] = [];
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

  release(n: number, reusable: boolean): void {
    const keepFrom = this.chunkOf(n);
    if (keepFrom === this.released) return; // once per chunk, not once per ACK
    this.released = keepFrom;
    for (const [c, chunk] of this.chunks) {
      if (c >= keepFrom) continue;
      this.chunks.delete(c);
      // Only whole-size chunks are reused (the file's last chunk and a shrunk read are shorter).
      const whole = !(chunk instanceof Promise) && chunk.buf.length === this.perChunk * (this.blksize + 4);
      if (reusable && whole && this.spare.length < SPARE_CHUNKS) this.spare.push(chunk);
    }
  }

  async close(): Promise<void> {
    this.chunks.clear();
    this.spare.length = 0;
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
