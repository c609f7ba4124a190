/**
 * Kernel sources: where the tarball comes from (`debian:` package, local path, or URL + sha256 downloaded
 * once into the cache), and the tree extracted once per tarball hash into the build cache.
 */
import { copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withCache, cacheKey } from '../../lib/cache.js';
import { BuildError, SpecError } from '../../lib/errors.js';
import { sha256File } from '../../lib/fs.js';
import type { StageIo } from '../../context.js';
import type { SourceRef } from '../../spec/types.js';

/** A located kernel tarball (or unpacked tree) with its hash and lock-file origin. */
export interface KernelSource {
  /** The tarball, or the unpacked tree when `isTree`. */
  file: string;
  isTree: boolean;
  sha256: string;
  origin: string;
}

/** Where Debian's linux-source-X.Y package puts its tarball. */
const DEBIAN_TARBALLS = ['/usr/src/%s.tar.xz', '/usr/src/%s.tar.bz2', '/usr/src/%s.tar.gz'];

/** Finds (and for URLs downloads into the cache) the kernel source named by `ref`, checking its sha256. */
export async function locateKernelSource(ref: SourceRef | undefined, io: StageIo): Promise<KernelSource> {
  if (ref === undefined) {
    throw new SpecError({
      pointer: '/kernel',
      message: 'the kernel needs either source or prebuilt',
      hint: 'add source: { debian: linux-source-6.1 } or prebuilt: { vmlinuz: /vmlinuz }',
    });
  }
  if ('debian' in ref) {
    const file = DEBIAN_TARBALLS.map((p) => p.replace('%s', ref.debian)).find((p) => existsSync(p));
    if (!file) {
      throw new BuildError(
        `the Debian package ${ref.debian} is not installed (no /usr/src/${ref.debian}.tar.*)`,
        { hint: `apt-get install ${ref.debian}` },
      );
    }
    return { file, isTree: false, sha256: await sha256File(file), origin: `debian:${ref.debian}` };
  }
  if ('path' in ref) {
    const info = await stat(ref.path).catch(() => undefined);
    if (!info)
      throw new SpecError({
        pointer: '/kernel/source/path',
        message: `${ref.path} does not exist`,
        hint: 'point it at a kernel tarball or an unpacked kernel tree',
      });
    if (info.isDirectory())
      return { file: ref.path, isTree: true, sha256: `tree:${path.resolve(ref.path)}`, origin: ref.path };
    const sha = await sha256File(ref.path);
    if (ref.sha256 !== undefined && ref.sha256 !== sha)
      throw checksumError(ref.path, ref.sha256, sha, '/kernel/source/sha256');
    return { file: ref.path, isTree: false, sha256: sha, origin: ref.path };
  }
  const name = path.basename(new URL(ref.url).pathname) || 'linux.tar';
  const entry = await withCache('kernel-download', cacheKey([ref.sha256]), async (tmp) => {
    const target = path.join(tmp, name);
    await download(ref.url, target, io);
    const sha = await sha256File(target);
    if (sha !== ref.sha256) throw checksumError(ref.url, ref.sha256, sha, '/kernel/source/sha256');
  });
  return { file: path.join(entry.dir, name), isTree: false, sha256: ref.sha256, origin: ref.url };
}

function checksumError(what: string, expected: string, got: string, pointer: string): SpecError {
  return new SpecError({
    pointer,
    message: `sha256 of ${what} is ${got}, but the spec pins ${expected}`,
    hint: 'check the download or update the pinned sha256',
  });
}

async function download(url: string, target: string, io: StageIo): Promise<void> {
  io.log(`downloading ${url}`);
  if (url.startsWith('file://')) {
    await copyFile(fileURLToPath(url), target);
    return;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(30 * 60 * 1000) }).catch((err: unknown) => {
    throw new BuildError(`cannot download ${url}: ${(err as Error).message}`, {
      hint: 'check the URL, or download it yourself and use source: { path }',
    });
  });
  if (!res.ok)
    throw new BuildError(`cannot download ${url}: HTTP ${res.status}`, { hint: 'check the URL or a mirror' });
  await writeFile(target, Buffer.from(await res.arrayBuffer()));
}

/** Extracts the tarball once into the cache and returns the tree (the tarball's single top folder). */
export async function extractKernelSource(src: KernelSource, io: StageIo, logFile: string): Promise<string> {
  if (src.isTree) return src.file;
  const entry = await withCache('kernel-source', cacheKey([src.sha256]), async (tmp) => {
    await io.run('tar', ['-xf', src.file, '-C', tmp], { logFile, timeoutMs: 30 * 60 * 1000 });
  });
  const tops = (await readdir(entry.dir, { withFileTypes: true })).filter((d) => d.isDirectory());
  if (tops.length !== 1)
    throw new BuildError(`${src.file} does not unpack into one folder (found ${tops.length})`, { logFile });
  return path.join(entry.dir, tops[0]!.name);
}

/** `VERSION.PATCHLEVEL.SUBLEVEL` from a tree's Makefile, e.g. `6.1.192`. */
export function parseMakefileVersion(makefile: string): string {
  const get = (k: string): string => new RegExp(`^${k}\\s*=\\s*(\\S*)`, 'm').exec(makefile)?.[1] ?? '';
  return [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL')].filter((x) => x !== '').join('.');
}
