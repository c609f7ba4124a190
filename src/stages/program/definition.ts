/**
 * What a program built from pinned source besides ipvsadm is: its catalog (src/packages/<name>.json) and one
 * definition (src/packages/<name>.ts) of this shape: how to build and inspect it, when a spec runs it, what it
 * installs where in a director's root, and what it adds to the release records. Plan, sources, lock, the build
 * step, rootfs, manifest, state and known_hosts map over the table of definitions (src/packages/programs.ts).
 */
import type { RenderedFile, StageIo } from '../../context.js';
import type { RootfsEntry } from '../../lib/cpio.js';
import type { KernelNeed, ProgramCatalog, ProgramRelease } from '../../packages/program.js';
import type { DirectorModel } from '../../director/types.js';
import { InternalError } from '../../lib/errors.js';
import type { ProgramPins, ProgramSourcePin, Spec } from '../../spec/types.js';
import type { ProgramBuildPlan } from './build.js';

/** How a program is linked (static by default: the initramfs has no libc). */
export type ProgramLink = 'static' | 'dynamic';

/** The link of a pin that says none. */
export const DEFAULT_PROGRAM_LINK: ProgramLink = 'static';

/** A catalog release a definition can build: every program's fields plus the kernel options it needs. */
export type CatalogRelease = ProgramRelease & { kernelOptions: KernelNeed[] };

/** What every built program has, whatever the program; a definition's artifacts add their own facts. */
export interface ProgramArtifacts {
  version: string;
  link: ProgramLink;
  /** The kept binaries, by the recipe's `dest` name: absolute paths in the build cache. */
  binaries: Record<string, string>;
  /** Shared libraries the binaries need (dynamic link only), absolute host paths. */
  libraries: string[];
  sourceSha256: string;
  cacheHit: boolean;
}

/** One binary a program puts into a director's root, with the libraries it needs (none when static). */
export interface ProgramInstall {
  path: string;
  binary: string;
  libraries: string[];
}

/** What a definition's site-level hook gets: the spec and where the build keeps its secrets. */
export interface ProgramSite {
  spec: Spec;
  /** The directors' secrets folder (SSH host keys). */
  secretsDir: string;
  io: StageIo;
  logFile: string;
}

/**
 * One program (see the module comment). The hooks are methods so that a definition of its own release and
 * artifacts types fits the table's element type; each hook only ever gets what its own definition made.
 */
export interface ProgramDefinition<
  N extends keyof ProgramPins = keyof ProgramPins,
  R extends CatalogRelease = CatalogRelease,
  A extends ProgramArtifacts = ProgramArtifacts,
> {
  /** The spec key of its pin, its catalog's name, its source and lock entry. */
  name: N;
  /** What the build step's log says it provides, e.g. `busybox applets (ntpd)`. */
  title: string;
  /** How `lvs-image diff` names its version among a director's programs, e.g. `busybox (ntpd)`. */
  diffLabel: string;
  /** Its spec pin: the schema's description of `<name>` (src/spec/schema.ts) and when a spec must give it. */
  pin: { description: string; needs: PinNeed[] };
  catalog: ProgramCatalog<R>;
  /** True when some director of the spec runs it (a pin alone builds nothing). */
  used(spec: Spec): boolean;
  /** True when the director runs it (asked of its model, src/director/, when `used(spec)`). */
  runsOn(director: DirectorRuns): boolean;
  /** What to take out of the spec to do without it (error hints), and the log line when unused. */
  usedBy: string;
  /** The build of a release (pure): commands, binaries to keep, cache key inputs. */
  recipe(release: R, link: ProgramLink): ProgramBuildPlan;
  /** Reads facts off the built tree before stripping (its version output, its applet table); cached with it. */
  inspect(release: R, src: string, io: StageIo, opts: InspectOptions): Promise<unknown>;
  /** Checks the build against the catalog and returns the artifacts (BuildError naming the recipe when off). */
  finish(release: R, built: { artifacts: ProgramArtifacts; extra: unknown }, logFile: string): A;
  /** One line for the build log, e.g. `LVS VRRP VRRP_AUTH`. */
  describe(artifacts: A): string;
  /** Site-level work once built (dropbear: each director's host key); returns the artifacts to keep. */
  prepare?(artifacts: A, site: ProgramSite, hostnames: readonly string[]): Promise<A>;
  /** Checks a director's rendered files with the built program (keepalived -t). */
  checkRendered?(
    artifacts: A,
    director: DirectorModel,
    rendered: readonly RenderedFile[],
    io: StageIo,
  ): Promise<void>;
  /** The binaries it puts into a director's root that runs it. */
  installs(artifacts: A): ProgramInstall[];
  /** Files of a director's root that come from the secrets folder (dropbear's host key). */
  secrets?(artifacts: A, director: DirectorModel): Promise<RootfsEntry[]>;
  /** Its key in manifest.json and the section of a director that runs it (null elsewhere). Pure. */
  manifestKey: string;
  manifest(artifacts: A, director: DirectorModel): unknown;
  /** A site-level release file it adds to: the file and a director's lines (e.g. known_hosts). Pure. */
  siteFile?: { path: string; lines(artifacts: A, director: DirectorModel): string };
}

/**
 * A case in which the spec must pin a program (the rule programsPinned, src/spec/rules/programs.ts): where the
 * problem points and why, e.g. `/access/ssh` and `SSH is served by dropbear` (`, and the spec pins none` follows).
 */
export interface PinNeed {
  when(spec: Spec): boolean;
  pointer: string;
  reason: string;
}

/** What of a director's model says whether it runs a program. */
export type DirectorRuns = Pick<DirectorModel, 'mode' | 'access' | 'watchdog'>;

/** What `inspect` may pass to io.run: the built tree as cwd, the build log, a timeout. */
export interface InspectOptions {
  cwd: string;
  logFile: string;
  timeoutMs: number;
}

/** The pin of `program` when the spec runs it, else undefined. */
export function usedPin(
  spec: Spec,
  program: { name: keyof ProgramPins; used(spec: Spec): boolean },
): ProgramSourcePin | undefined {
  const pin = spec[program.name];
  return pin !== undefined && program.used(spec) ? pin : undefined;
}

/**
 * When a program runs on every director once the spec gives `access.<field>` (dropbear: ssh, busybox: ntp), which
 * then needs its pin: `<what> is served by <name>, and the spec pins none` at `/access/<field>`.
 */
export function withAccess(
  name: string,
  field: 'ssh' | 'ntp',
  what: string,
  description: string,
): Pick<ProgramDefinition, 'used' | 'runsOn' | 'usedBy' | 'pin'> {
  const used = (spec: Spec): boolean => spec.access?.[field] !== undefined;
  return {
    used,
    runsOn: (d) => d.access[field] !== null,
    usedBy: `access.${field}`,
    pin: {
      description,
      needs: [{ when: used, pointer: `/access/${field}`, reason: `${what} is served by ${name}` }],
    },
  };
}

/** The kept binary `dest` of a built program; InternalError when its recipe keeps none of that name. */
export function keptBinary(artifacts: ProgramArtifacts, dest: string): string {
  const binary = artifacts.binaries[dest];
  if (binary === undefined)
    throw new InternalError(`the recipe keeps no binary ${dest} (src/packages/*.json)`);
  return binary;
}
