/**
 * Kernel sources: the tarball (from the source store, src/stages/sources.ts) extracted once per tarball hash
 * into the build cache, and the version its Makefile names.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { withCache, cacheKey } from '../../lib/cache.js';
import { BuildError } from '../../lib/errors.js';
import type { StageIo } from '../../context.js';

/** A located kernel tarball (or unpacked tree) with its hash and lock-file origin. */
export interface KernelSource {
  /** The tarball, or the unpacked tree when `isTree`. */
  file: string;
  isTree: boolean;
  sha256: string;
  origin: string;
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
