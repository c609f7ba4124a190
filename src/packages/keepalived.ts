/**
 * keepalived: its catalog (src/packages/keepalived.json) and its program definition (src/stages/program/
 * definition.ts). Built with the catalog's configure switches (static), read back with `keepalived -v`, whose
 * `Config options` must list what the catalog says lvs-image needs (LVS, VRRP); installed where a director runs
 * it (health checks, pairs); every rendered keepalived.conf is checked with the built binary (`keepalived -t`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { specHasChecks, specUsesKeepalived } from '../spec/health-check.js';
import { testKeepalivedConfig } from '../stages/keepalived/config-test.js';
import { SRC_DIR, type ProgramBuildPlan } from '../stages/program/build.js';
import { keptBinary } from '../stages/program/definition.js';
import type { ProgramArtifacts, ProgramDefinition, ProgramLink } from '../stages/program/definition.js';
import catalog from './keepalived.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';
import type { ProgramSourcePin } from '../spec/types.js';

// Its spec pin (see ProgramPins).
declare module '../spec/types.js' {
  interface ProgramPins {
    keepalived?: ProgramSourcePin;
  }
}

export type { KernelNeed } from './program.js';

/** How to build a release: configure arguments, the static link flag, make arguments, the binaries to keep. */
export interface KeepalivedRecipe {
  configure: string[];
  /** LDFLAGS for a static link. */
  staticLdflags: string;
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  /** Debian packages whose .a files the static link needs. */
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One keepalived release. */
export interface KeepalivedRelease extends ProgramRelease {
  date: string;
  recipe: KeepalivedRecipe;
  /** The `Config options` keepalived -v must list for what lvs-image renders. */
  features: string[];
  /** The `System options` keepalived -v must list (LIBIPVS_NETLINK: IPVS through netlink, not setsockopt). */
  systemOptions: string[];
  kernelOptions: KernelNeed[];
  /** How this release spells the virtual_server keywords lvs-image renders. */
  keywords: { scheduler: string; method: string };
}

/** The catalog as shipped. */
export const KEEPALIVED_CATALOG: ProgramCatalog<KeepalivedRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findKeepalivedRelease(version: string, pointer = '/keepalived/version'): KeepalivedRelease {
  return findRelease(KEEPALIVED_CATALOG, version, pointer);
}

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const KEEPALIVED_RECIPE_REVISION = '1';

/** A built keepalived. */
export interface KeepalivedArtifacts extends ProgramArtifacts {
  /** What `keepalived -v` printed (for the manifest). */
  versionText: string;
  /** Its `Config options:` words, e.g. LVS VRRP VRRP_AUTH. */
  configOptions: string[];
}

/** Where keepalived and its config sit in a director's root. */
const BINARY = '/usr/sbin/keepalived';
const CONF = '/etc/keepalived/keepalived.conf';

/** The build plan of a release (pure): configure with the recipe's switches, make, keep bin/keepalived. */
export function planKeepalivedBuild(release: KeepalivedRelease, link: ProgramLink): ProgramBuildPlan {
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

/** keepalived as a program of the table. */
export const KEEPALIVED: ProgramDefinition<'keepalived', KeepalivedRelease, KeepalivedArtifacts> = {
  name: 'keepalived',
  title: 'keepalived',
  diffLabel: 'keepalived',
  catalog: KEEPALIVED_CATALOG,
  pin: {
    description:
      'The keepalived pin; needed when a service has a health check (keepalived then owns the IPVS table).',
    // NOTE: pairs need it too; pairMembers (src/spec/rules/pairs.ts) says so with the pair's own words.
    needs: [
      {
        when: specHasChecks,
        pointer: '/keepalived',
        reason: 'health checks and sorry servers are run by keepalived',
      },
    ],
  },
  used: specUsesKeepalived,
  runsOn: (director) => director.mode === 'keepalived',
  usedBy: 'the health checks, sorry servers and pairs',
  recipe: planKeepalivedBuild,
  async inspect(release, src, io, opts) {
    // keepalived -v runs anywhere (it prints and exits); it writes to stderr.
    const v = await io.run(path.join(src, 'bin/keepalived'), ['-v'], { ...opts, reject: false });
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
  finish(release, built, logFile) {
    const { versionText } = built.extra as { versionText: string };
    const configOptions = parseConfigOptions(versionText);
    const systemOptions = parseConfigOptions(versionText, 'System options');
    const missing = [
      ...release.features.filter((f) => !configOptions.includes(f)),
      ...release.systemOptions.filter((f) => !systemOptions.includes(f)),
    ];
    if (missing.length > 0)
      throw new BuildError(
        `keepalived ${release.version} was built without ${missing.join(', ')} (keepalived -v: ${configOptions.join(' ')})`,
        {
          logFile,
          hint: 'the recipe in src/packages/keepalived.json disables a feature lvs-image needs, or a library it needs is missing (configure drops libnl without libnl-3-dev and libnl-genl-3-dev)',
        },
      );
    return { ...built.artifacts, versionText, configOptions };
  },
  describe: (a) => a.configOptions.join(' '),
  async checkRendered(a, director, rendered, io) {
    const conf = rendered.find((f) => f.path === CONF);
    if (conf === undefined) return;
    const work = await mkdtemp(path.join(tmpdir(), 'lvs-keepalived-t-'));
    const configFile = path.join(work, `${director.hostname}-keepalived.conf`);
    const result = await writeFile(configFile, conf.content)
      .then(() =>
        testKeepalivedConfig({
          binary: keptBinary(a, 'keepalived'),
          configFile,
          interfaces: director.interfaces.map((i) => i.name),
          run: io.run,
          label: `${director.hostname}:${CONF}`,
        }),
      )
      .finally(() => rm(work, { recursive: true, force: true }));
    const warnings = result.warnings.length > 0 ? ` (${result.warnings.length} warnings)` : '';
    io.log(`${director.hostname}: keepalived -t accepts ${CONF}${warnings}`);
  },
  installs: (a) => [{ path: BINARY, binary: keptBinary(a, 'keepalived'), libraries: a.libraries }],
  manifestKey: 'keepalived',
  // keepalived -v as evidence of what was built in (Config options).
  manifest: (a) => ({
    version: a.version,
    link: a.link,
    sourceSha256: a.sourceSha256,
    configOptions: a.configOptions,
    versionText: a.versionText.split('\n'),
  }),
};
