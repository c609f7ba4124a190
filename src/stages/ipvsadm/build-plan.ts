/**
 * The ipvsadm build as data: make invocations, the IPVS probe program, and the predicted `--version` line.
 * Pure. The probe exists because `ipvsadm --version` cannot run on a host without IPVS (main() calls ipvs_init()
 * before printing); it is compiled by ipvsadm's own Makefile rule, so it sees exactly ipvsadm's flags and headers.
 */
import { formatIpvsVersion } from '../../context.js';
import type { IpvsadmLink } from '../../spec/types.js';
import type { IpvsadmRelease } from '../../packages/ipvsadm.js';

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const RECIPE_REVISION = '3';

export { SRC_DIR } from '../program/build.js';
import { SRC_DIR } from '../program/build.js';

/** Name of the probe program written into the scratch source tree. */
export const PROBE_NAME = 'lvs-image-ipvs-probe';

/** What to run, in order, in the source folder. */
export interface IpvsadmBuildPlan {
  version: string;
  link: IpvsadmLink;
  /** `make` argv lists (each starts with `-j1`: ipvsadm's Makefile races under parallel make). */
  make: string[][];
  /** argv of `make` that compiles the probe object with the Makefile's own `%.o: %.c` rule. */
  probeMake: string[];
  /** C source of the probe. */
  probeSource: string;
  /** Inputs of the cache key that come from the plan. */
  keyInputs: string[];
}

/** Substitutes `{kernelHeaders}` in the recipe's make arguments; null headers leave a SpecError to the caller. */
export function expandMakeArgs(args: readonly string[], kernelHeaders: string | undefined): string[] | null {
  if (args.some((a) => a.includes('{kernelHeaders}')) && kernelHeaders === undefined) return null;
  return args.map((a) => a.replaceAll('{kernelHeaders}', kernelHeaders ?? ''));
}

/** The probe: ipvsadm's includes, then prints IP_VS_VERSION_CODE. */
export function probeProgram(include: string): string {
  return [
    '/* lvs-image: prints the IP_VS_VERSION_CODE ipvsadm is compiled against (same Makefile rule, same headers). */',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '#include <string.h>',
    '#include <netinet/in.h>',
    '#include <sys/socket.h>',
    '#include <sys/types.h>',
    '#include <sys/param.h>',
    '#include <arpa/inet.h>',
    '#include <net/if.h>',
    `#include ${include}`,
    'int main(void) { printf("IP_VS_VERSION_CODE=0x%06x\\n", (unsigned)(IP_VS_VERSION_CODE)); return 0; }',
    '',
  ].join('\n');
}

/** The build plan for a release; null when the recipe needs kernel headers and none were given. */
export function planIpvsadmBuild(
  release: IpvsadmRelease,
  link: IpvsadmLink,
  kernelHeaders?: string,
): IpvsadmBuildPlan | null {
  const recipeArgs = expandMakeArgs(release.recipe.makeArgs, kernelHeaders);
  if (recipeArgs === null) return null;
  // NOTE: the scratch folder differs per build; mapping it to a fixed name keeps debug info, and so the
  // GNU build-id note that survives `strip`, identical across builds (reproducible binaries).
  const args = [`CC=gcc -ffile-prefix-map=${SRC_DIR}=/usr/src/ipvsadm-${release.version}`, ...recipeArgs];
  const libs = link === 'static' ? [`LIBS=${release.recipe.staticLibs}`] : [];
  const make: string[][] = [];
  if (release.recipe.libipvs) make.push(['-j1', 'libs', ...args]);
  make.push(['-j1', 'ipvsadm', ...args, ...libs]);
  return {
    version: release.version,
    link,
    make,
    probeMake: ['-j1', `${PROBE_NAME}.o`, ...args],
    probeSource: probeProgram(release.recipe.probeInclude),
    keyInputs: [
      RECIPE_REVISION,
      release.version,
      link,
      ...make.map((m) => m.join(' ')),
      release.recipe.probeInclude,
    ],
  };
}

/** Parses the probe's output line. */
export function parseProbeOutput(text: string): number | null {
  const m = /IP_VS_VERSION_CODE=(0x[0-9a-f]+)/i.exec(text);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/**
 * Predicts the `ipvsadm --version` line from the format string compiled into the binary
 * (`ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v%d.%d.%d)`) and the probe's code; null if not found.
 */
export function predictVersionLine(binary: Uint8Array, ipvsVersionCode: number): string | null {
  const text = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).toString('latin1');
  const m = /ipvsadm v[^\0\n]{1,80}\(compiled with [^\0\n]{1,40} and IPVS v%d\.%d\.%d\)/.exec(text);
  return m ? m[0].replace('%d.%d.%d', formatIpvsVersion(ipvsVersionCode)) : null;
}
