/**
 * Building ipvsadm: its plan (src/stages/ipvsadm/build-plan.ts) run by the generic program build
 * (src/stages/program/build.ts), with the IPVS probe as the inspect step. The cache key adds the kernel's IPVS
 * header hash when the build compiles against the kernel's headers (ipvsadm ≤ 1.24).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { BuildError } from '../../lib/errors.js';
import { buildProgram, type ProgramBuildPlan } from '../program/build.js';
import {
  PROBE_NAME,
  SRC_DIR,
  parseProbeOutput,
  predictVersionLine,
  type IpvsadmBuildPlan,
} from './build-plan.js';
import type { FetchedSource } from './source.js';

export { compilerVersion } from '../program/build.js';

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
  /** Shared libraries from `ldd` (dynamic link only). */
  libraries: string[];
  /** The cache key inputs, for the manifest. */
  keyInputs: string[];
  cacheHit: boolean;
}

/** The ipvsadm plan as a generic program plan: the make runs, then keep `ipvsadm`. */
function programPlan(plan: IpvsadmBuildPlan): ProgramBuildPlan {
  return {
    name: 'ipvsadm',
    version: plan.version,
    link: plan.link,
    commands: plan.make.map((args) => ({ file: 'make', args })),
    binaries: [{ dest: 'ipvsadm', from: 'ipvsadm' }],
    keyInputs: plan.keyInputs,
    staticLibraryPackages: ['libpopt-dev', 'libnl-3-dev', 'libnl-genl-3-dev'],
  };
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
  const { plan, io, logFile } = a;
  const built = await buildProgram({
    plan: programPlan(plan),
    source: a.source,
    io,
    logFile,
    extraKey: [a.kernelHeaderHash ?? 'bundled-header'],
    inspect: async (src, opts) => {
      const at = (args: string[]): string[] => args.map((x) => x.replaceAll(SRC_DIR, src));
      await writeFile(path.join(src, `${PROBE_NAME}.c`), plan.probeSource);
      await io.run('make', at(plan.probeMake), opts);
      await io.run('gcc', ['-o', PROBE_NAME, `${PROBE_NAME}.o`], opts);
      const probe = await io.run(path.join(src, PROBE_NAME), [], opts);
      const code = parseProbeOutput(probe.stdout);
      if (code === null)
        throw new BuildError(`the IPVS probe printed no version code: ${probe.stdout.trim()}`, { logFile });
      const versionLine = predictVersionLine(await readFile(path.join(src, 'ipvsadm')), code);
      if (versionLine === null) {
        throw new BuildError(
          `${src}/ipvsadm: no "ipvsadm v… (compiled with … and IPVS v%d.%d.%d)" format string found`,
          { logFile },
        );
      }
      return { ipvsVersionCode: code, versionLine };
    },
  });
  return {
    dir: built.dir,
    binary: built.binaries.ipvsadm ?? path.join(built.dir, 'ipvsadm'),
    ipvsVersionCode: built.extra.ipvsVersionCode,
    versionLine: built.extra.versionLine,
    libraries: built.libraries,
    keyInputs: built.keyInputs,
    cacheHit: built.cacheHit,
  };
}
