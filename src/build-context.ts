/** What a build carries from task to task: the options, the loaded spec and plan, and each stage's result. */
import type { RootfsEntry } from './lib/cpio.js';
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile, StageIo } from './context.js';
import { InternalError, SpecError } from './lib/errors.js';
import type { BuildPlan } from './plan.js';
import type { HostFacts } from './preflight.js';
import type { LoadedSpec } from './spec/load.js';
import type { Lock } from './stages/lock.js';
import type { PublishResult } from './stages/publish.js';
import type { BusyboxArtifacts } from './stages/busybox.js';
import type { DropbearArtifacts, HostKey } from './stages/dropbear.js';
import type { KeepalivedArtifacts } from './stages/keepalived.js';
import type { ProvidedSource } from './stages/sources.js';

/** Options of `lvs-image build`, resolved by the command (the environment is read there, not here). */
export interface BuildOptions {
  specFile: string;
  outDir: string;
  frozen: boolean;
  /** Fetch no source over the network (the store and local files only). */
  offline: boolean;
  allowIpvsMismatch: boolean;
  /** Template overrides folder (its `pxe/` subfolder overrides the PXE templates). */
  templatesDir: string | undefined;
  dryRun: boolean;
  jobs: number | undefined;
  /** Where the directors' SSH host keys are kept; default `secrets/<site>/` beside the spec. */
  secretsDir?: string;
  /** Releases of the site kept after publishing (the new one and the previous one at least); default 2. */
  keep?: number;
  /** SOURCE_DATE_EPOCH, when set. */
  epoch: number | undefined;
  renderer: 'default' | 'simple' | 'silent' | 'test';
  verbose: boolean;
}

/** The mutable state of one build; each task fills one field. */
export interface BuildContext {
  options: BuildOptions;
  io: StageIo;
  /** `out/.logs/<site>-build.log`, set once the spec is valid (nothing is written before). */
  logFile?: string;
  loaded?: LoadedSpec;
  plan?: BuildPlan;
  host?: HostFacts;
  lockSha256?: string;
  /** With `--frozen`: the lock, checked against the spec; the sources step gets exactly its bytes. */
  locked?: { lock: Lock; file: string };
  /** Every source the build uses, by name (`kernel`, `ipvsadm`), from the source store. */
  sources?: Record<string, ProvidedSource>;
  kernel?: KernelArtifacts;
  ipvsadm?: IpvsadmArtifacts;
  /** keepalived, or null when no director runs it. */
  keepalived?: KeepalivedArtifacts | null;
  /** dropbear and each director's host key, or null when the spec gives no access.ssh. */
  ssh?: { dropbear: DropbearArtifacts; hostKeys: HostKey[] } | null;
  /** busybox's extra applets (ntpd), or null when the spec gives no access.ntp. */
  busybox?: BusyboxArtifacts | null;
  /** The site root being built, `out/.staging-<id>/root`. */
  root?: string;
  rendered?: Record<string, RenderedFile[]>;
  rootfs?: Record<string, RootfsEntry[]>;
  published?: PublishResult;
  /** sha256 of each director's published files, by path relative to the site root. */
  sha256?: Record<string, string>;
  /** Milliseconds per task key. */
  timings: Record<string, number>;
}

/** Returns `value`, or throws an InternalError naming the missing context field (a task ran out of order). */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new InternalError(`build context has no ${what} yet (pipeline order is wrong)`);
  return value;
}

/** SOURCE_DATE_EPOCH from the environment, validated; undefined when unset. */
export function epochFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new SpecError({
      message: `SOURCE_DATE_EPOCH=${raw} is not a number of seconds`,
      hint: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
    });
  }
  return Number(raw);
}
