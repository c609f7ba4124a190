/**
 * busybox built from source for the applets Debian's busybox-static lacks (ntpd): its catalog
 * (src/packages/busybox.json) and its program definition (src/stages/program/definition.ts). allnoconfig → the
 * catalog's options → oldconfig → make busybox (static); the applet table the build generated is read back and
 * must list exactly the catalog's applets; installed under each applet's name when the spec gives access.ntp.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import type { ProgramBuildPlan } from '../stages/program/build.js';
import { keptBinary, withAccess } from '../stages/program/definition.js';
import type { ProgramArtifacts, ProgramDefinition, ProgramLink } from '../stages/program/definition.js';
import catalog from './busybox.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';
import type { ProgramSourcePin } from '../spec/types.js';

// Its spec pin (see ProgramPins).
declare module '../spec/types.js' {
  interface ProgramPins {
    busybox?: ProgramSourcePin;
  }
}

/** How to build a release: the Kconfig options set on top of allnoconfig, make arguments, the binary to keep. */
export interface BusyboxRecipe {
  /** CONFIG_ names (without the prefix) set to y: the applets and their features. */
  config: string[];
  /** CONFIG_ names unset (choices allnoconfig still makes, such as ash as sh). */
  off: string[];
  /** CONFIG_ names set to y for a static link. */
  staticConfig: string[];
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One busybox release. */
export interface BusyboxRelease extends ProgramRelease {
  date: string;
  recipe: BusyboxRecipe;
  /** The applets the built binary must have (and is installed as). */
  applets: string[];
  kernelOptions: KernelNeed[];
}

/** The catalog as shipped. */
export const BUSYBOX_CATALOG: ProgramCatalog<BusyboxRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findBusyboxRelease(version: string, pointer = '/busybox/version'): BusyboxRelease {
  return findRelease(BUSYBOX_CATALOG, version, pointer);
}

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const BUSYBOX_RECIPE_REVISION = '1';

/** A built busybox with its applets, installed under each applet's name. */
export interface BusyboxArtifacts extends ProgramArtifacts {
  applets: string[];
}

/** The build plan of a release (pure). SOURCE_DATE_EPOCH (the release date) keeps the build time out of the banner. */
export function planBusyboxBuild(release: BusyboxRelease, link: ProgramLink): ProgramBuildPlan {
  const r = release.recipe;
  const on = [...r.config, ...(link === 'static' ? r.staticConfig : [])];
  const env = { SOURCE_DATE_EPOCH: String(Math.floor(Date.parse(`${release.date}T00:00:00Z`) / 1000)) };
  // Each option must exist in this busybox (a renamed option would silently stay off).
  const set = [
    'for o in "$@"; do',
    '  case $o in -*) o=${o#-}; sed -i "s/^CONFIG_$o=y\\$/# CONFIG_$o is not set/" .config ;;',
    '  *) sed -i "s/^# CONFIG_$o is not set\\$/CONFIG_$o=y/" .config',
    '     grep -q "^CONFIG_$o=y\\$" .config || { echo "CONFIG_$o is not an option of this busybox" >&2; exit 1; } ;;',
    '  esac',
    'done',
  ].join('\n');
  return {
    name: 'busybox',
    version: release.version,
    link,
    commands: [
      { file: 'make', args: ['allnoconfig'], env },
      { file: 'sh', args: ['-c', set, 'sh', ...on, ...r.off.map((o) => `-${o}`)] },
      // oldconfig asks about nothing new here; `yes ""` takes the default should a release add a question.
      { file: 'sh', args: ['-c', 'yes "" | make oldconfig'], env },
      { file: 'make', args: [`-j${availableParallelism()}`, ...r.makeArgs], env },
    ],
    binaries: r.binaries,
    keyInputs: [
      BUSYBOX_RECIPE_REVISION,
      release.version,
      link,
      ...on,
      ...r.off,
      ...r.makeArgs,
      env.SOURCE_DATE_EPOCH,
    ],
    staticLibraryPackages: r.staticLibraryPackages,
  };
}

/** The applet names of a generated include/applet_tables.h. Pure. */
export function parseAppletTable(text: string): string[] {
  // One applet a line: `"ntpd" "\0"`.
  return [...text.matchAll(/^"([^"\\]+)" "\\0"$/gm)].map((m) => m[1] ?? '');
}

/** busybox's extra applets as a program of the table. */
export const BUSYBOX: ProgramDefinition<'busybox', BusyboxRelease, BusyboxArtifacts> = {
  name: 'busybox',
  title: 'busybox applets (ntpd)',
  diffLabel: 'busybox (ntpd)',
  catalog: BUSYBOX_CATALOG,
  ...withAccess(
    'busybox',
    'ntp',
    'NTP',
    "The busybox pin: busybox built from source for the applets Debian's busybox-static lacks; needed when access.ntp is set (ntpd).",
  ),
  recipe: planBusyboxBuild,
  inspect: async (_release, src) => ({
    applets: parseAppletTable(await readFile(path.join(src, 'include/applet_tables.h'), 'utf8')),
  }),
  finish(release, built, logFile) {
    const { applets } = built.extra as { applets: string[] };
    if ([...applets].sort().join(' ') !== [...release.applets].sort().join(' '))
      throw new BuildError(
        `busybox ${release.version} was built with the applets ${applets.join(', ') || 'none'}, not ${release.applets.join(', ')}`,
        { logFile, hint: 'the recipe in src/packages/busybox.json sets the wrong options' },
      );
    if (built.artifacts.binaries.busybox === undefined)
      throw new BuildError('internal: the busybox recipe keeps no busybox');
    return { ...built.artifacts, applets };
  },
  describe: (a) => a.applets.join(' '),
  // One busybox binary per applet name (busybox runs the applet its argv[0] names).
  installs: (a) =>
    a.applets.map((name) => ({
      path: `/usr/sbin/${name}`,
      binary: keptBinary(a, 'busybox'),
      libraries: a.libraries,
    })),
  manifestKey: 'busybox',
  manifest: (a) => ({ version: a.version, link: a.link, sourceSha256: a.sourceSha256, applets: a.applets }),
};
