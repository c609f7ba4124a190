/**
 * Tarballs read in-process with tar-stream (gzip through node:zlib, xz/bzip2 through `xz -dc`/`bzip2 -dc`).
 * Extraction refuses any entry that would land outside the target folder: `..` segments, absolute names,
 * symlinks or hard links pointing out, and writes through a symlink that leads out.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, realpath, symlink, link, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { BuildError } from './errors.js';
import { spawnStreaming } from './exec.js';
import { checkEntryPath, detectCompression, inside } from './tar-entry.js';

export { checkEntryPath, detectCompression, type Compression } from './tar-entry.js';

/** One entry as tar-stream's extractor yields it. */
interface TarEntry extends AsyncIterable<unknown> {
  header: Header;
  resume(): unknown;
}

const DECOMPRESSORS: Record<'xz' | 'bzip2', string> = { xz: 'xz', bzip2: 'bzip2' };

interface TarSource {
  stream: NodeJS.ReadableStream;
  stop: () => void;
  done: Promise<void>;
}

async function openTarball(file: string): Promise<TarSource> {
  const fh = await open(file, 'r');
  const head = Buffer.alloc(8);
  await fh.read(head, 0, 8, 0);
  await fh.close();
  const kind = detectCompression(head);
  if (kind === 'xz' || kind === 'bzip2') {
    const proc = spawnStreaming(DECOMPRESSORS[kind], ['-dc'], { inputFile: file, timeoutMs: 30 * 60 * 1000 });
    return { stream: proc.stdout, stop: proc.stop, done: proc.done };
  }
  const raw = createReadStream(file);
  const stream = kind === 'gzip' ? raw.pipe(createGunzip()) : raw;
  return { stream, stop: () => raw.destroy(), done: Promise.resolve() };
}

/** Walks the entries of a tarball; `onEntry` returns true to stop reading early. */
async function walkTarball(file: string, onEntry: (entry: TarEntry) => Promise<boolean>): Promise<void> {
  const src = await openTarball(file);
  // NOTE: old V7 headers (no `ustar` magic) are valid tar: keepalived 2.2.7's release tarball is one.
  // (tar-stream's own types omit the option its extractor reads.)
  const options = { allowUnknownFormat: true } as unknown as Parameters<typeof tar.extract>[0];
  const extract = tar.extract(options);
  const feeding = pipeline(src.stream, extract).catch((err: unknown) => err);
  let stoppedEarly = false;
  try {
    for await (const entry of extract as AsyncIterable<TarEntry>) {
      if (await onEntry(entry)) {
        stoppedEarly = true;
        src.stop();
        extract.destroy();
        break;
      }
    }
  } catch (err) {
    src.stop();
    throw err;
  }
  const fed = await feeding;
  await src.done;
  if (!stoppedEarly && fed instanceof Error) {
    throw new BuildError(`${file}: cannot read the tarball: ${fed.message}`, { cause: fed });
  }
}

/** What an extraction wrote. */
export interface ExtractResult {
  /** Number of entries written. */
  entries: number;
  /** Top-level names in the folder, sorted (a release tarball usually has one, e.g. `ipvsadm-1.31`). */
  topLevel: string[];
}

/** Extracts `file` into `dest` (created if needed), refusing entries that escape it; see the module comment. */
export async function extractTarball(file: string, dest: string): Promise<ExtractResult> {
  await mkdir(dest, { recursive: true });
  const root = await realpath(dest);
  const top = new Set<string>();
  let entries = 0;
  const refuse = (name: string, why: string): never => {
    throw new BuildError(`${file}: refusing tar entry "${name}": ${why}`, {
      hint: 'the tarball is malformed or malicious; nothing was written outside the extraction folder',
    });
  };
  await walkTarball(file, async (entry) => {
    const h = entry.header;
    const type: string = h.type ?? 'file';
    if (type === 'pax-global-header' || type === 'pax-header') {
      entry.resume();
      return false;
    }
    const name = h.name.replace(/^(\.\/)+/, '');
    const why = checkEntryPath(name, type, h.linkname);
    if (why !== null) refuse(h.name, why);
    const target = path.join(root, name);
    if (!inside(root, target)) refuse(h.name, 'path resolves outside the folder');
    const first = name.split('/')[0];
    if (first) top.add(first);
    // NOTE: the parent may have been created through an earlier (inside-pointing) symlink: check where it really is.
    await mkdir(path.dirname(target), { recursive: true });
    if (!inside(root, await realpath(path.dirname(target))))
      refuse(h.name, 'its folder is a symlink leading outside');
    const existing = await lstat(target).catch(() => null);
    if (existing?.isSymbolicLink()) refuse(h.name, 'it would be written through an existing symlink');
    const mode = (h.mode ?? 0o644) & 0o777;
    if (type === 'directory') {
      await mkdir(target, { recursive: true, mode: mode | 0o700 });
      entry.resume();
    } else if (type === 'file' || type === 'contiguous-file') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      await writeFile(target, Buffer.concat(chunks), { mode });
      // NOTE: the archive's mtimes, as tar keeps them: autotools trees (keepalived) otherwise look as if
      // Makefile.am were newer than Makefile.in, and make tries to run automake.
      if (h.mtime !== undefined) await utimes(target, h.mtime, h.mtime);
    } else if (type === 'symlink') {
      // NOTE: earlier symlinks can make the real folder shallower than the name says: check the real target too.
      const real = path.resolve(await realpath(path.dirname(target)), h.linkname ?? '');
      if (!inside(root, real)) refuse(h.name, `symlink resolves outside the folder (${h.linkname ?? ''})`);
      await symlink(h.linkname ?? '', target);
      entry.resume();
    } else if (type === 'link') {
      const from = path.join(root, path.posix.normalize(h.linkname ?? ''));
      const real = await realpath(from).catch(() => null);
      if (real === null)
        refuse(h.name, `hard link target ${h.linkname ?? ''} is not in the archive before it`);
      if (!inside(root, real ?? '')) refuse(h.name, 'hard link target resolves outside the folder');
      await link(from, target);
      entry.resume();
    } else {
      refuse(h.name, `unsupported entry type ${type}`);
    }
    entries++;
    return false;
  });
  return { entries, topLevel: [...top].sort() };
}

/** Reads the files whose names `want` accepts, without extracting; stops early once `enough(found)` is true. */
export async function readTarMembers(
  file: string,
  want: (name: string) => boolean,
  enough: (found: ReadonlyMap<string, Buffer>) => boolean = () => false,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  await walkTarball(file, async (entry) => {
    const name = entry.header.name.replace(/^(\.\/)+/, '');
    if ((entry.header.type ?? 'file') === 'file' && want(name)) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      found.set(name, Buffer.concat(chunks));
      return enough(found);
    }
    entry.resume();
    return false;
  });
  return found;
}
