/**
 * Building a program from a verified source in a scratch copy inside the build cache (Buildroot's
 * generic-package): extract (or copy), run the recipe's commands, strip the binaries, check the link mode
 * (static: no program interpreter; dynamic: the libraries `ldd` names), and keep a record. One cache entry per
 * program + source sha256 + recipe + `gcc --version` (+ the caller's extra key inputs), so a program is built
 * once per machine. ipvsadm and keepalived are two recipes of this one function.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { cacheKey, withCache } from '../../lib/cache.js';
import { BuildError } from '../../lib/errors.js';
import { removeTree } from '../../lib/fs.js';
import { extractTarball } from '../../lib/tar.js';
import { parseLddOutput, readElfLinkInfo } from '../ipvsadm/elf.js';
import type { FetchedSource } from '../program/source.js';

/** Placeholder for the scratch source folder in recipe arguments and environment, replaced when the build runs. */
export const SRC_DIR = '{srcDir}';

/** One command of a recipe, run in the source folder; `{srcDir}` is replaced in args and env values. */
export interface RecipeCommand {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

/** What to build and how: the commands, then the binaries to keep (paths relative to the source folder). */
export interface ProgramBuildPlan {
  /** The program's name: the cache kind and the error messages use it. */
  name: string;
  version: string;
  link: 'static' | 'dynamic';
  commands: RecipeCommand[];
  /** Binaries to strip and keep, `{ dest: name in the entry, from: path in the source folder }`. */
  binaries: { dest: string; from: string }[];
  /** Inputs of the cache key beyond the source and compiler (recipe revision, options). */
  keyInputs: string[];
  /** The Debian packages whose static libraries a static link needs (for the error hint). */
  staticLibraryPackages: string[];
}

/** A built program in the cache. */
export interface BuiltProgram<X> {
  dir: string;
  /** Absolute paths of the kept binaries, by `dest`. */
  binaries: Record<string, string>;
  /** Shared libraries from `ldd` (dynamic link only), over all binaries. */
  libraries: string[];
  keyInputs: string[];
  /** What the recipe's `inspect` hook recorded. */
  extra: X;
  cacheHit: boolean;
}

/** First line of `gcc --version`, part of every cache key and of the lock file. */
export async function compilerVersion(io: StageIo): Promise<string> {
  const r = await io.run('gcc', ['--version'], { timeoutMs: 30_000 });
  return r.stdout.split('\n')[0]?.trim() ?? 'unknown';
}

async function sourceTree(
  source: FetchedSource,
  scratch: string,
  io: StageIo,
  logFile: string,
): Promise<string> {
  if (source.isDirectory) {
    const dest = path.join(scratch, 'src');
    await io.run('cp', ['-a', `${source.path}/.`, dest], { logFile, timeoutMs: 120_000 });
    return dest;
  }
  const { topLevel } = await extractTarball(source.path, scratch);
  if (topLevel.length !== 1 || topLevel[0] === undefined) {
    throw new BuildError(
      `${source.path}: expected one top-level folder, found ${topLevel.join(', ') || 'none'}`,
    );
  }
  return path.join(scratch, topLevel[0]);
}

interface Record_<X> {
  libraries: string[];
  keyInputs: string[];
  extra: X;
}

/**
 * Builds (or reuses) `plan` from `source`; `inspect(srcDir)` runs after the commands, before stripping, and
 * its result is kept in the entry (ipvsadm's IPVS probe, for one). See the module comment for the cache key.
 */
export async function buildProgram<X>(a: {
  plan: ProgramBuildPlan;
  source: FetchedSource;
  io: StageIo;
  logFile: string;
  extraKey?: string[];
  inspect: (srcDir: string, opts: { cwd: string; logFile: string; timeoutMs: number }) => Promise<X>;
}): Promise<BuiltProgram<X>> {
  const { plan, source, io, logFile } = a;
  const gcc = await compilerVersion(io);
  const keyInputs = [plan.name, source.sha256, ...plan.keyInputs, gcc, ...(a.extraKey ?? [])];
  const entry = await withCache(plan.name, cacheKey(keyInputs), async (tmp) => {
    const scratch = path.join(tmp, 'work');
    const src = await sourceTree(source, scratch, io, logFile);
    const opts = { cwd: src, logFile, timeoutMs: 30 * 60_000, onLine: io.log };
    const at = (s: string): string => s.replaceAll(SRC_DIR, src);
    for (const c of plan.commands) {
      const env = c.env ? Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, at(v)])) : undefined;
      await io.run(c.file, c.args.map(at), { ...opts, ...(env ? { env } : {}) });
    }
    const extra = await a.inspect(src, opts);
    const libraries = new Set<string>();
    for (const b of plan.binaries) {
      const dest = path.join(tmp, b.dest);
      await io.run('strip', ['--strip-all', '-o', dest, path.join(src, b.from)], opts);
      const elf = readElfLinkInfo(await readFile(dest));
      if (elf === null) throw new BuildError(`${dest}: not an ELF file`, { logFile });
      if (plan.link === 'static' && elf.interpreter !== undefined) {
        throw new BuildError(
          `${plan.name} ${b.dest}: asked for a static link but the binary needs ${elf.interpreter}`,
          {
            logFile,
            hint: `install the static libraries (${plan.staticLibraryPackages.join(', ')} provide the .a files)`,
          },
        );
      }
      if (plan.link === 'dynamic')
        for (const l of parseLddOutput((await io.run('ldd', [dest], opts)).stdout)) libraries.add(l);
    }
    const record: Record_<X> = { libraries: [...libraries].sort(), keyInputs, extra };
    await writeFile(path.join(tmp, 'build.json'), JSON.stringify(record, null, 2) + '\n');
    await removeTree(scratch);
  });
  const record = JSON.parse(await readFile(path.join(entry.dir, 'build.json'), 'utf8')) as Record_<X>;
  const binaries = Object.fromEntries(plan.binaries.map((b) => [b.dest, path.join(entry.dir, b.dest)]));
  return { ...record, dir: entry.dir, binaries, cacheHit: entry.hit };
}
