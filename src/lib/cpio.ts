/**
 * A streaming writer for the cpio "newc" format (magic 070701), the format the kernel unpacks as initramfs.
 * Format: https://www.kernel.org/doc/html/latest/driver-api/early-userspace/buffer-format.html
 * Output is reproducible by construction: entries sorted bytewise by path, uid/gid 0, one mtime for all,
 * inode numbers renumbered from 1 in that order.
 */
import { createReadStream } from 'node:fs';
import { InternalError } from './errors.js';

/** File contents: bytes in memory, or a host file read only while the archive streams. */
export type CpioData = Uint8Array | { file: string; size: number };

/** One entry of a root filesystem, as the cpio writer takes it; `path` is absolute in the target, e.g. `/bin/sh`. */
export type RootfsEntry =
  | { type: 'dir'; path: string; mode: number }
  | {
      type: 'file';
      path: string;
      mode: number;
      data: CpioData;
      /** Entries sharing a `linkGroup` are hard links to one inode; the data is stored once, on the last one. */
      linkGroup?: string;
    }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'char' | 'block'; path: string; mode: number; major: number; minor: number };

/** Options of the writer. */
export interface CpioOptions {
  /** Modification time of every entry, seconds since 1970 (SOURCE_DATE_EPOCH). */
  epoch: number;
}

// File type bits of st_mode, from <sys/stat.h>.
const TYPE_BITS: Record<RootfsEntry['type'], number> = {
  dir: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
};

/** The name an entry has inside the archive: no leading slash, as the kernel's usr/gen_init_cpio writes it. */
export function archiveName(p: string): string {
  return p.replace(/^\/+/, '');
}

/** Sorts entries bytewise by archive name (a parent always sorts before its children); throws on duplicates. */
export function sortEntries(entries: readonly RootfsEntry[]): RootfsEntry[] {
  const keyed = entries.map((e) => ({ e, key: Buffer.from(archiveName(e.path)) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.key.equals(keyed[i - 1]!.key)) {
      throw new InternalError(`cpio: two entries for the same path ${keyed[i]!.e.path}`);
    }
  }
  return keyed.map((k) => k.e);
}

/** Bytes an entry's body takes, before padding. */
export function dataSize(e: RootfsEntry): number {
  if (e.type === 'file') return e.data instanceof Uint8Array ? e.data.length : e.data.size;
  if (e.type === 'symlink') return Buffer.byteLength(e.target);
  return 0;
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new InternalError(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

interface Header {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  filesize: number;
  rdevmajor: number;
  rdevminor: number;
  name: string;
}

/** Encodes one newc header with its NUL-terminated name, padded to 4 bytes. */
export function encodeHeader(h: Header): Buffer {
  const name = Buffer.from(`${h.name}\0`);
  // magic ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [
    h.ino,
    h.mode,
    0,
    0,
    h.nlink,
    h.mtime,
    h.filesize,
    0,
    0,
    h.rdevmajor,
    h.rdevminor,
    name.length,
    0,
  ];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return Buffer.concat([head, name, pad4(head.length + name.length)]);
}

/** The archive's last header; each concatenated part needs its own. */
export function encodeTrailer(): Buffer {
  return encodeHeader({
    ino: 0,
    mode: 0,
    nlink: 1,
    mtime: 0,
    filesize: 0,
    rdevmajor: 0,
    rdevminor: 0,
    name: 'TRAILER!!!',
  });
}

interface Planned {
  entry: RootfsEntry;
  ino: number;
  nlink: number;
  /** False for every hard link of a group but the last, which carries the data. */
  carriesData: boolean;
}

/** Assigns inode numbers from 1 in sorted order and resolves hard-link groups (pure). */
export function planInodes(sorted: readonly RootfsEntry[]): Planned[] {
  const groups = new Map<string, number[]>();
  sorted.forEach((e, i) => {
    if (e.type === 'file' && e.linkGroup !== undefined) {
      groups.set(e.linkGroup, [...(groups.get(e.linkGroup) ?? []), i]);
    }
  });
  const inoOf = new Map<string, number>();
  let next = 1;
  return sorted.map((entry, i) => {
    const group = entry.type === 'file' && entry.linkGroup !== undefined ? entry.linkGroup : undefined;
    if (group === undefined)
      return { entry, ino: next++, nlink: entry.type === 'dir' ? 2 : 1, carriesData: true };
    const members = groups.get(group)!;
    if (!inoOf.has(group)) inoOf.set(group, next++);
    return { entry, ino: inoOf.get(group)!, nlink: members.length, carriesData: members.at(-1) === i };
  });
}

async function* readData(data: CpioData, path: string): AsyncGenerator<Buffer> {
  if (data instanceof Uint8Array) {
    yield Buffer.from(data.buffer, data.byteOffset, data.length);
    return;
  }
  let seen = 0;
  for await (const chunk of createReadStream(data.file)) {
    seen += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (seen !== data.size) {
    throw new InternalError(
      `cpio: ${data.file} (for ${path}) changed size while packing: ${data.size} -> ${seen}`,
    );
  }
}

/**
 * Streams a complete newc archive (entries sorted, then `TRAILER!!!`) as Buffers; file data is read as it is
 * written, so large trees are never held in memory.
 */
export async function* writeCpio(entries: readonly RootfsEntry[], opts: CpioOptions): AsyncGenerator<Buffer> {
  for (const p of planInodes(sortEntries(entries))) {
    const e = p.entry;
    const size = p.carriesData ? dataSize(e) : 0;
    const perm = e.type === 'symlink' ? 0o777 : e.mode & 0o7777;
    const dev = e.type === 'char' || e.type === 'block' ? e : { major: 0, minor: 0 };
    yield encodeHeader({
      ino: p.ino,
      mode: TYPE_BITS[e.type] | perm,
      nlink: p.nlink,
      mtime: opts.epoch,
      filesize: size,
      rdevmajor: dev.major,
      rdevminor: dev.minor,
      name: archiveName(e.path),
    });
    if (size === 0) continue;
    if (e.type === 'symlink') yield Buffer.from(e.target);
    else if (e.type === 'file') yield* readData(e.data, e.path);
    yield pad4(size);
  }
  yield encodeTrailer();
}

/** Collects a whole archive in memory; for tests and small archives only. */
export async function writeCpioBuffer(entries: readonly RootfsEntry[], opts: CpioOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of writeCpio(entries, opts)) chunks.push(c);
  return Buffer.concat(chunks);
}
