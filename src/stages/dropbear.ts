/**
 * Stage: dropbear, the directors' SSH server, built from pinned source through the one program build
 * (src/stages/program/build.ts): catalog recipe → localoptions.h (password logins and forwarding compiled out) →
 * configure + make (static) → `dropbear -V` read back. Then each director's host key: made once by the built
 * dropbearkey into the secrets folder beside the spec and reused by every later build, so a director that boots
 * a new image keeps the key its operators' known_hosts already have.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageIo } from '../context.js';
import { BuildError } from '../lib/errors.js';
import { findDropbearRelease, type DropbearRelease } from '../packages/dropbear.js';
import type { DropbearPin } from '../spec/types.js';
import { buildProgram, type ProgramBuildPlan } from './program/build.js';
import { provideSources, type ProvidedSource } from './sources.js';
import { describeOrigin } from './sources/origin.js';
import { programRequest } from './sources/plan.js';

/** Bumped when the recipe code changes in a way that changes the binary (part of the cache key). */
export const DROPBEAR_RECIPE_REVISION = '1';

/** A built dropbear, ready to be packed. */
export interface DropbearArtifacts {
  version: string;
  /** The server, for the image. */
  binary: string;
  /** The key maker, run at build time only. */
  keygen: string;
  libraries: string[];
  /** What `dropbear -V` printed. */
  versionLine: string;
  hostKeyType: string;
  sourceSha256: string;
  cacheHit: boolean;
}

/** The build plan of a release (pure): localoptions.h from the catalog, configure, make the server and keygen. */
export function planDropbearBuild(release: DropbearRelease, link: 'static' | 'dynamic'): ProgramBuildPlan {
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

/** Builds (or reuses) dropbear for `pin`. */
export async function provideDropbear(
  pin: DropbearPin,
  io: StageIo,
  opts: { logFile: string; specDir?: string; source?: ProvidedSource },
): Promise<DropbearArtifacts> {
  const release = findDropbearRelease(pin.version);
  const link = pin.link ?? 'static';
  const got =
    opts.source ??
    (await provideSources([programRequest('dropbear', pin, release, opts.specDir ?? '.')], io)).dropbear;
  if (got === undefined) throw new BuildError('internal: no dropbear source was provided');
  const built = await buildProgram({
    plan: planDropbearBuild(release, link),
    source: {
      path: got.path,
      isDirectory: got.isDirectory,
      sha256: got.sha256,
      origin: describeOrigin(got.origin),
    },
    io,
    logFile: opts.logFile,
    inspect: async (src, runOpts) => {
      // dropbear -V prints its version on stderr and exits 0.
      const v = await io.run(path.join(src, 'dropbear'), ['-V'], { ...runOpts, reject: false });
      const versionLine = `${v.stdout}${v.stderr}`.trim().split('\n')[0] ?? '';
      if (!versionLine.includes(`v${release.version}`))
        throw new BuildError(`dropbear -V printed no "v${release.version}": ${versionLine}`, {
          logFile: opts.logFile,
        });
      return { versionLine };
    },
  });
  io.log(`dropbear ${release.version}: ${built.extra.versionLine}${built.cacheHit ? ' (cached)' : ''}`);
  const binary = built.binaries.dropbear;
  const keygen = built.binaries.dropbearkey;
  if (binary === undefined || keygen === undefined)
    throw new BuildError('internal: the dropbear recipe keeps no dropbear or dropbearkey');
  return {
    version: release.version,
    binary,
    keygen,
    libraries: built.libraries,
    versionLine: built.extra.versionLine,
    hostKeyType: release.hostKeyType,
    sourceSha256: got.sha256,
    cacheHit: built.cacheHit,
  };
}

/** The lab key pair (images/lab-keys): its private half is in the repository, so it is for the lab only. */
export const LAB_KEY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../images/lab-keys/lab-operator',
);

/** The secrets folder of a spec: `secrets/<site>/` beside the spec file. */
export function secretsDirFor(specFile: string, site: string): string {
  return path.join(path.dirname(path.resolve(specFile)), 'secrets', site);
}

/** A director's host key: the private file (secrets folder), its public line and fingerprint. */
export interface HostKey {
  hostname: string;
  /** The private key in dropbear's format. */
  file: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  publicKey: string;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
  /** True when this build made it. */
  made: boolean;
}

/** The public line and fingerprint in `dropbearkey -y` output. Pure. */
export function parseDropbearkeyOutput(text: string): { publicKey: string; fingerprint: string } | null {
  const pub = /^((?:ssh|ecdsa)-\S+) (\S+)/m.exec(text);
  const fp = /^Fingerprint: (\S+)/m.exec(text);
  if (pub === null || fp === null) return null;
  return { publicKey: `${pub[1]} ${pub[2]}`, fingerprint: fp[1] ?? '' };
}

const GITIGNORE = `# Host keys of the directors (lvs-image build made them). Private: keep them out of version control;
# back them up where you keep other secrets.
*
`;

/**
 * Each director's host key in `dir/<hostname>/`, made by `dropbearkey` when missing (into a temporary name,
 * renamed into place: an interrupted build leaves no half key). A new secrets root gets a `.gitignore` of `*`.
 */
export async function ensureHostKeys(a: {
  dropbear: DropbearArtifacts;
  dir: string;
  hostnames: readonly string[];
  io: StageIo;
}): Promise<HostKey[]> {
  const { dropbear, dir, io } = a;
  const root = path.dirname(dir);
  if (!existsSync(root)) {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await writeFile(path.join(root, '.gitignore'), GITIGNORE);
  }
  const keys: HostKey[] = [];
  for (const hostname of a.hostnames) {
    const hostDir = path.join(dir, hostname);
    const file = path.join(hostDir, `dropbear_${dropbear.hostKeyType}_host_key`);
    const made = !existsSync(file);
    if (made) {
      await mkdir(hostDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.new-${process.pid}`;
      await rm(tmp, { force: true });
      await io.run(dropbear.keygen, ['-t', dropbear.hostKeyType, '-f', tmp], { timeoutMs: 60_000 });
      await rename(tmp, file);
    }
    const out = await io.run(dropbear.keygen, ['-y', '-f', file], { timeoutMs: 30_000, reject: false });
    const parsed = parseDropbearkeyOutput(`${out.stdout}\n${out.stderr}`);
    if (out.exitCode !== 0 || parsed === null)
      throw new BuildError(
        `${file}: not a dropbear host key (dropbearkey -y: ${out.stderr.trim() || out.stdout.trim()})`,
        {
          hint: `move it away and build again: a new key is made (operators then see a changed host key for ${hostname})`,
        },
      );
    io.log(`${hostname}: SSH host key ${parsed.fingerprint}${made ? ' (new)' : ''}`);
    keys.push({ hostname, file, ...parsed, made });
  }
  return keys;
}

/** The private key bytes for the image. */
export async function readHostKey(key: HostKey): Promise<Buffer> {
  return readFile(key.file);
}
