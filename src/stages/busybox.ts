/**
 * Stage: busybox built from pinned source for the applets Debian's busybox-static lacks (ntpd), through the one
 * program build (src/stages/program/build.ts): allnoconfig → the catalog's options → oldconfig → make busybox
 * (static). The applet table the build generated is read back and must list exactly the catalog's applets.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../context.js';
import { BuildError } from '../lib/errors.js';
import { findBusyboxRelease, type BusyboxRelease } from '../packages/busybox.js';
import type { ProgramSourcePin } from '../spec/types.js';
import { buildProgram, type ProgramBuildPlan } from './program/build.js';
import { provideSources, type ProvidedSource } from './sources.js';
import { describeOrigin } from './sources/origin.js';
import { programRequest } from './sources/plan.js';

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const BUSYBOX_RECIPE_REVISION = '1';

/** A built busybox with its applets, ready to be packed under each applet's name. */
export interface BusyboxArtifacts {
  version: string;
  binary: string;
  libraries: string[];
  applets: string[];
  sourceSha256: string;
  cacheHit: boolean;
}

/** The build plan of a release (pure). SOURCE_DATE_EPOCH (the release date) keeps the build time out of the banner. */
export function planBusyboxBuild(release: BusyboxRelease, link: 'static' | 'dynamic'): ProgramBuildPlan {
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

/** Builds (or reuses) busybox for `pin` and checks it has exactly the catalog's applets. */
export async function provideBusybox(
  pin: ProgramSourcePin,
  io: StageIo,
  opts: { logFile: string; specDir?: string; source?: ProvidedSource },
): Promise<BusyboxArtifacts> {
  const release = findBusyboxRelease(pin.version);
  const link = pin.link ?? 'static';
  const got =
    opts.source ??
    (await provideSources([programRequest('busybox', pin, release, opts.specDir ?? '.')], io)).busybox;
  if (got === undefined) throw new BuildError('internal: no busybox source was provided');
  const built = await buildProgram({
    plan: planBusyboxBuild(release, link),
    source: {
      path: got.path,
      isDirectory: got.isDirectory,
      sha256: got.sha256,
      origin: describeOrigin(got.origin),
    },
    io,
    logFile: opts.logFile,
    inspect: async (src) => ({
      applets: parseAppletTable(await readFile(path.join(src, 'include/applet_tables.h'), 'utf8')),
    }),
  });
  const { applets } = built.extra;
  if ([...applets].sort().join(' ') !== [...release.applets].sort().join(' '))
    throw new BuildError(
      `busybox ${release.version} was built with the applets ${applets.join(', ') || 'none'}, not ${release.applets.join(', ')}`,
      { logFile: opts.logFile, hint: 'the recipe in src/packages/busybox.json sets the wrong options' },
    );
  io.log(`busybox ${release.version}: ${applets.join(' ')}${built.cacheHit ? ' (cached)' : ''}`);
  const binary = built.binaries.busybox;
  if (binary === undefined) throw new BuildError('internal: the busybox recipe keeps no busybox');
  return {
    version: release.version,
    binary,
    libraries: built.libraries,
    applets,
    sourceSha256: got.sha256,
    cacheHit: built.cacheHit,
  };
}
