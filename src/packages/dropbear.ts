/**
 * dropbear, the directors' SSH server: its catalog (src/packages/dropbear.json) and its program definition
 * (src/stages/program/definition.ts). Built with localoptions.h from the catalog (password logins and forwarding
 * compiled out), configure + make (static), `dropbear -V` read back; each director's host key made once into the
 * secrets folder (src/stages/dropbear.ts); run by every director when the spec gives access.ssh. Its manifest
 * section is `ssh` (version, host key, where it listens) and each director adds a line to known_hosts.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DirectorModel } from '../director/types.js';
import { KNOWN_HOSTS, knownHostsLine } from '../layout.js';
import { BuildError } from '../lib/errors.js';
import { indexesOfKey } from '../spec/authorized-keys.js';
import { ensureHostKeys, LAB_KEY, type HostKey } from '../stages/dropbear.js';
import type { ProgramBuildPlan } from '../stages/program/build.js';
import { keptBinary, withAccess } from '../stages/program/definition.js';
import type { ProgramArtifacts, ProgramDefinition, ProgramLink } from '../stages/program/definition.js';
import catalog from './dropbear.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';
import type { ProgramSourcePin } from '../spec/types.js';

// Its spec pin (see ProgramPins).
declare module '../spec/types.js' {
  interface ProgramPins {
    dropbear?: ProgramSourcePin;
  }
}

/** How to build a release: configure arguments, localoptions.h lines, make arguments, the binaries to keep. */
export interface DropbearRecipe {
  configure: string[];
  /** configure arguments of a static link. */
  staticConfigure: string[];
  /** Lines of localoptions.h (compile-time switches over default_options.h). */
  localOptions: string[];
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  /** Debian packages whose .a files the static link needs. */
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One dropbear release. */
export interface DropbearRelease extends ProgramRelease {
  date: string;
  recipe: DropbearRecipe;
  /** The host key type made per director (`dropbearkey -t`). */
  hostKeyType: string;
  /** Public key types this release accepts in authorized_keys. */
  keyTypes: string[];
  kernelOptions: KernelNeed[];
}

/** The catalog as shipped. */
export const DROPBEAR_CATALOG: ProgramCatalog<DropbearRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findDropbearRelease(version: string, pointer = '/dropbear/version'): DropbearRelease {
  return findRelease(DROPBEAR_CATALOG, version, pointer);
}

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const DROPBEAR_RECIPE_REVISION = '1';

/** A built dropbear and, once prepared, each director's host key. */
export interface DropbearArtifacts extends ProgramArtifacts {
  /** What `dropbear -V` printed. */
  versionLine: string;
  hostKeyType: string;
  /** The key maker, run at build time only. */
  keygen: string;
  hostKeys: HostKey[];
}

/** Where dropbear sits in a director's root. */
const BINARY = '/usr/sbin/dropbear';

/** The build plan of a release (pure): localoptions.h from the catalog, configure, make the server and keygen. */
export function planDropbearBuild(release: DropbearRelease, link: ProgramLink): ProgramBuildPlan {
  const r = release.recipe;
  const configure = [...r.configure, ...(link === 'static' ? r.staticConfigure : [])];
  return {
    name: 'dropbear',
    version: release.version,
    link,
    commands: [
      // localoptions.h overrides default_options.h (dropbear's documented place for build switches).
      { file: 'sh', args: ['-c', 'printf "%s\\n" "$@" > localoptions.h', 'sh', ...r.localOptions] },
      { file: './configure', args: configure },
      { file: 'make', args: [`-j${availableParallelism()}`, ...r.makeArgs] },
    ],
    binaries: r.binaries,
    keyInputs: [
      DROPBEAR_RECIPE_REVISION,
      release.version,
      link,
      ...configure,
      ...r.localOptions,
      ...r.makeArgs,
    ],
    staticLibraryPackages: r.staticLibraryPackages,
  };
}

/** The director's SSH access (its model has one wherever dropbear runs: access.ssh is set). */
function sshOf(director: DirectorModel): NonNullable<DirectorModel['access']['ssh']> {
  if (director.access.ssh === null)
    throw new BuildError(`internal: ${director.hostname} runs dropbear without access.ssh`);
  return director.access.ssh;
}

function hostKeyOf(a: DropbearArtifacts, hostname: string): HostKey {
  const key = a.hostKeys.find((k) => k.hostname === hostname);
  if (key === undefined) throw new BuildError(`internal: no SSH host key for ${hostname}`);
  return key;
}

/** dropbear as a program of the table. */
export const DROPBEAR: ProgramDefinition<'dropbear', DropbearRelease, DropbearArtifacts> = {
  name: 'dropbear',
  title: 'dropbear and SSH host keys',
  diffLabel: 'dropbear',
  catalog: DROPBEAR_CATALOG,
  ...withAccess(
    'dropbear',
    'ssh',
    'SSH',
    "The dropbear pin; needed when access.ssh is set (dropbear is then every director's SSH server).",
  ),
  recipe: planDropbearBuild,
  async inspect(release, src, io, opts) {
    // dropbear -V prints its version on stderr and exits 0.
    const v = await io.run(path.join(src, 'dropbear'), ['-V'], { ...opts, reject: false });
    const versionLine = `${v.stdout}${v.stderr}`.trim().split('\n')[0] ?? '';
    if (!versionLine.includes(`v${release.version}`))
      throw new BuildError(`dropbear -V printed no "v${release.version}": ${versionLine}`, {
        logFile: opts.logFile,
      });
    return { versionLine };
  },
  finish(release, built) {
    const { versionLine } = built.extra as { versionLine: string };
    const keygen = built.artifacts.binaries.dropbearkey;
    if (built.artifacts.binaries.dropbear === undefined || keygen === undefined)
      throw new BuildError('internal: the dropbear recipe keeps no dropbear or dropbearkey');
    return { ...built.artifacts, versionLine, hostKeyType: release.hostKeyType, keygen, hostKeys: [] };
  },
  describe: (a) => a.versionLine,
  // Each director's host key (made once, in the secrets folder); the lab key is warned about.
  async prepare(a, site, hostnames) {
    const labPublic = await readFile(`${LAB_KEY}.pub`, 'utf8').catch(() => '');
    for (const i of indexesOfKey(site.spec.access?.ssh?.authorizedKeys ?? [], labPublic))
      site.io.log(
        `WARNING: access.ssh.authorizedKeys[${i}] is the lab key, whose private half is public (images/lab-keys): anyone can log in as root; for the lab only`,
      );
    const hostKeys = await ensureHostKeys({ dropbear: a, dir: site.secretsDir, hostnames, io: site.io });
    return { ...a, hostKeys };
  },
  installs: (a) => [{ path: BINARY, binary: keptBinary(a, 'dropbear'), libraries: a.libraries }],
  // The private half, mode 0600, at dropbear's default path for its type.
  secrets: async (a, director) => [
    {
      type: 'file',
      path: sshOf(director).hostKey,
      mode: 0o600,
      data: await readFile(hostKeyOf(a, director.hostname).file),
    },
  ],
  manifestKey: 'ssh',
  // The host key's public half and fingerprint (what operators compare on first login); the private half is in
  // the image and in the secrets folder, never here.
  manifest: (a, director) => ({
    dropbear: { version: a.version, link: a.link, sourceSha256: a.sourceSha256, versionLine: a.versionLine },
    hostKey: hostKeyOf(a, director.hostname).publicKey,
    fingerprint: hostKeyOf(a, director.hostname).fingerprint,
    listen: sshOf(director).listen.map((l) => `${l.address}:${l.port}`),
  }),
  // Every director's host key for operators' ~/.ssh/known_hosts (public halves only).
  siteFile: {
    path: KNOWN_HOSTS,
    lines: (a, director) =>
      knownHostsLine(director.hostname, sshOf(director).listen, hostKeyOf(a, director.hostname).publicKey),
  },
};
