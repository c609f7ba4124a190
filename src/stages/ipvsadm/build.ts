/**
 * Building ipvsadm in a scratch copy inside the build cache: extract (or copy), `make -j1`, probe, strip.
 * One cache entry per source sha256 + plan (link mode, make args) + `gcc --version` + kernel IPVS header hash.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { cacheKey, withCache } from '../../lib/cache.js';
import { BuildError } from '../../lib/errors.js';
import { removeTree } from '../../lib/fs.js';
import { extractTarball } from '../../lib/tar.js';
import {
  PROBE_NAME,
  SRC_DIR,
  parseProbeOutput,
  predictVersionLine,
  type IpvsadmBuildPlan,
} from './build-plan.js';
import { parseLddOutput, readElfLinkInfo } from './elf.js';
import type { FetchedSource } from './source.js';

/** A built ipvsadm in the cache. */
export interface BuiltIpvsadm {
  /** The cache entry folder. */
  dir: string;
  /** The stripped binary. */
  binary: string;
  /** IP_VS_VERSION_CODE printed by the probe compiled with ipvsadm's flags. */
  ipvsVersionCode: number;
  /** The `--version` line predicted from the binary's format string and the probe. */
  versionLine: string;
  /** The PT_INTERP loader; absent for a static binary. */
  interpreter?: string;
  /** Shared libraries from `ldd` (dynamic link only). */
  libraries: string[];
  /** The cache key inputs, for the manifest. */
  keyInputs: string[];
  cacheHit: boolean;
}

type BuildRecord = Omit<BuiltIpvsadm, 'dir' | 'binary' | 'cacheHit'>;

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

/** Builds (or reuses) ipvsadm for `plan` from a verified source; see the module comment for the cache key. */
export async function buildIpvsadm(a: {
  plan: IpvsadmBuildPlan;
  source: FetchedSource;
  /** Hash of the kernel IPVS header when the build compiles against the kernel's headers (1.24), else undefined. */
  kernelHeaderHash?: string;
  io: StageIo;
  logFile: string;
}): Promise<BuiltIpvsadm> {
  const { plan, source, io, logFile } = a;
  const gcc = await compilerVersion(io);
  const keyInputs = [
    'ipvsadm',
    source.sha256,
    ...plan.keyInputs,
    gcc,
    a.kernelHeaderHash ?? 'bundled-header',
  ];
  const entry = await withCache('ipvsadm', cacheKey(keyInputs), async (tmp) => {
    const scratch = path.join(tmp, 'work');
    const src = await sourceTree(source, scratch, io, logFile);
    const opts = { cwd: src, logFile, timeoutMs: 15 * 60_000, onLine: io.log };
    const at = (args: string[]): string[] => args.map((a) => a.replaceAll(SRC_DIR, src));
    for (const args of plan.make) await io.run('make', at(args), opts);
    await writeFile(path.join(src, `${PROBE_NAME}.c`), plan.probeSource);
    await io.run('make', at(plan.probeMake), opts);
    await io.run('gcc', ['-o', PROBE_NAME, `${PROBE_NAME}.o`], opts);
    const probe = await io.run(path.join(src, PROBE_NAME), [], opts);
    const code = parseProbeOutput(probe.stdout);
    if (code === null)
      throw new BuildError(`the IPVS probe printed no version code: ${probe.stdout.trim()}`, { logFile });
    const unstripped = await readFile(path.join(src, 'ipvsadm'));
    const versionLine = predictVersionLine(unstripped, code);
    if (versionLine === null) {
      throw new BuildError(
        `${src}/ipvsadm: no "ipvsadm v… (compiled with … and IPVS v%d.%d.%d)" format string found`,
        { logFile },
      );
    }
    const binary = path.join(tmp, 'ipvsadm');
    await io.run('strip', ['--strip-all', '-o', binary, path.join(src, 'ipvsadm')], opts);
    const elf = readElfLinkInfo(await readFile(binary));
    if (elf === null) throw new BuildError(`${binary}: not an ELF file`, { logFile });
    if (plan.link === 'static' && elf.interpreter !== undefined) {
      throw new BuildError(`${binary}: asked for a static link but the binary needs ${elf.interpreter}`, {
        logFile,
        hint: 'install the static libraries (libpopt-dev, libnl-3-dev, libnl-genl-3-dev provide the .a files)',
      });
    }
    const libraries =
      plan.link === 'dynamic' ? parseLddOutput((await io.run('ldd', [binary], opts)).stdout) : [];
    const record: BuildRecord = {
      ipvsVersionCode: code,
      versionLine,
      ...(elf.interpreter !== undefined ? { interpreter: elf.interpreter } : {}),
      libraries,
      keyInputs,
    };
    await writeFile(path.join(tmp, 'build.json'), JSON.stringify(record, null, 2) + '\n');
    await removeTree(scratch);
  });
  const record = JSON.parse(await readFile(path.join(entry.dir, 'build.json'), 'utf8')) as BuildRecord;
  return { ...record, dir: entry.dir, binary: path.join(entry.dir, 'ipvsadm'), cacheHit: entry.hit };
}
