/**
 * Stage: keepalived built from pinned source through the one program build (src/stages/program/build.ts):
 * catalog recipe → source through the store → configure + make (static) → `keepalived -v` read back, its
 * `Config options` checked against what the catalog says the release must have (LVS, VRRP).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../context.js';
import { BuildError } from '../lib/errors.js';
import { findKeepalivedRelease, type KeepalivedRelease } from '../packages/keepalived.js';
import { buildProgram, SRC_DIR, type ProgramBuildPlan } from './program/build.js';
import type { KeepalivedPin } from '../spec/types.js';
import { provideSources, type ProvidedSource } from './sources.js';
import { describeOrigin } from './sources/origin.js';
import { programRequest } from './sources/plan.js';

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const KEEPALIVED_RECIPE_REVISION = '1';

export type { KeepalivedPin } from '../spec/types.js';

/** A built keepalived, ready to be packed. */
export interface KeepalivedArtifacts {
  version: string;
  binary: string;
  /** Shared libraries the binary needs (dynamic link only), absolute host paths. */
  libraries: string[];
  /** What `keepalived -v` printed (for the manifest). */
  versionText: string;
  /** Its `Config options:` words, e.g. LVS VRRP VRRP_AUTH. */
  configOptions: string[];
  sourceSha256: string;
  cacheHit: boolean;
}

/** The build plan of a release (pure): configure with the recipe's switches, make, keep bin/keepalived. */
export function planKeepalivedBuild(
  release: KeepalivedRelease,
  link: 'static' | 'dynamic',
): ProgramBuildPlan {
  const r = release.recipe;
  // NOTE: the scratch folder differs per build and its path reaches the debug info, hence the build ID that
  // survives `strip`: mapping it to a fixed name keeps two builds byte-identical. CFLAGS go to make, not to
  // configure, which would record them (with the path) in the `configure options` string keepalived prints.
  const cflags = `CFLAGS=-g -O2 -ffile-prefix-map=${SRC_DIR}=/usr/src/keepalived-${release.version}`;
  const configure = [...r.configure, ...(link === 'static' ? [`LDFLAGS=${r.staticLdflags}`] : [])];
  return {
    name: 'keepalived',
    version: release.version,
    link,
    commands: [
      { file: './configure', args: configure },
      { file: 'make', args: [`-j${availableParallelism()}`, ...r.makeArgs, cflags] },
    ],
    binaries: r.binaries,
    keyInputs: [KEEPALIVED_RECIPE_REVISION, release.version, link, ...configure, cflags, ...r.makeArgs],
    staticLibraryPackages: r.staticLibraryPackages,
  };
}

/** The words after `Config options:` (or another `label:`) in `keepalived -v` output. Pure. */
export function parseConfigOptions(text: string, label = 'Config options'): string[] {
  return new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(text)?.[1]?.trim().split(/\s+/) ?? [];
}

/** Builds (or reuses) keepalived for `pin` and checks that it has the features the catalog requires. */
export async function provideKeepalived(
  pin: KeepalivedPin,
  io: StageIo,
  opts: { logFile: string; specDir?: string; source?: ProvidedSource },
): Promise<KeepalivedArtifacts> {
  const release = findKeepalivedRelease(pin.version);
  const link = pin.link ?? 'static';
  const got =
    opts.source ??
    (await provideSources([programRequest('keepalived', pin, release, opts.specDir ?? '.')], io)).keepalived;
  if (got === undefined) throw new BuildError('internal: no keepalived source was provided');
  const source = {
    path: got.path,
    isDirectory: got.isDirectory,
    sha256: got.sha256,
    origin: describeOrigin(got.origin),
  };
  const built = await buildProgram({
    plan: planKeepalivedBuild(release, link),
    source,
    io,
    logFile: opts.logFile,
    inspect: async (src, runOpts) => {
      // keepalived -v runs anywhere (it prints and exits); it writes to stderr.
      const v = await io.run(path.join(src, 'bin/keepalived'), ['-v'], { ...runOpts, reject: false });
      const versionText = `${v.stdout}${v.stderr}`.trim();
      if (!versionText.startsWith(`Keepalived v${release.version}`))
        throw new BuildError(
          `bin/keepalived -v printed no "Keepalived v${release.version}" line:\n${versionText}`,
          {
            logFile: opts.logFile,
          },
        );
      return { versionText };
    },
  });
  const configOptions = parseConfigOptions(built.extra.versionText);
  const systemOptions = parseConfigOptions(built.extra.versionText, 'System options');
  const missing = [
    ...release.features.filter((f) => !configOptions.includes(f)),
    ...release.systemOptions.filter((f) => !systemOptions.includes(f)),
  ];
  if (missing.length > 0)
    throw new BuildError(
      `keepalived ${release.version} was built without ${missing.join(', ')} (keepalived -v: ${configOptions.join(' ')})`,
      {
        logFile: opts.logFile,
        hint: 'the recipe in src/packages/keepalived.json disables a feature lvs-image needs, or a library it needs is missing (configure drops libnl without libnl-3-dev and libnl-genl-3-dev)',
      },
    );
  io.log(`keepalived ${release.version}: ${configOptions.join(' ')}${built.cacheHit ? ' (cached)' : ''}`);
  return {
    version: release.version,
    binary: built.binaries.keepalived ?? path.join(built.dir, 'keepalived'),
    libraries: built.libraries,
    versionText: built.extra.versionText,
    configOptions,
    sourceSha256: got.sha256,
    cacheHit: built.cacheHit,
  };
}
