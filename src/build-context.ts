/** What a build carries from step to step: the options, and each step's typed result (src/pipeline.ts). */
import type { RootfsEntry } from './lib/cpio.js';
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile, StageIo } from './context.js';
import { SpecError } from './lib/errors.js';
import type { BuildPlan } from './plan.js';
import type { HostFacts } from './preflight.js';
import type { LoadedSpec } from './spec/load.js';
import type { Lock } from './stages/lock.js';
import type { PublishResult } from './stages/publish.js';
import type { ProgramName } from './packages/programs.js';
import type { KernelFragment } from './stages/kernel-config.js';
import type { ProgramArtifacts } from './stages/program/definition.js';
import type { DirectorFirmware } from './stages/firmware.js';
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

/** What every step gets besides the results of the steps before it. */
export interface BuildEnv {
  options: BuildOptions;
  io: StageIo;
}

/** The built programs of the table by name (src/packages/programs.ts); null for one no director runs. */
export type BuiltPrograms = Record<ProgramName, ProgramArtifacts | null>;

/** The result of each step, by the field it fills (src/pipeline.ts says which step fills which). */
export interface BuildResults {
  loaded: LoadedSpec;
  plan: BuildPlan;
  host: HostFacts;
  /** The lock beside the spec: its sha256 for the manifest, and with `--frozen` the lock checked against the spec. */
  lock: { sha256: string | undefined; frozen: { lock: Lock; file: string } | undefined };
  /** Every source the build uses, by name (`kernel`, `ipvsadm`, each program), from the source store. */
  sources: Record<string, ProvidedSource>;
  /** `out/.logs/<site>-build.log`, set once the spec is valid (nothing is written before). */
  logFile: string;
  /** The spec's kernel config fragment, made once per build. */
  fragment: KernelFragment;
  kernel: KernelArtifacts;
  ipvsadm: IpvsadmArtifacts;
  programs: BuiltPrograms;
  rendered: Record<string, RenderedFile[]>;
  /** The site root being built, `out/.staging-<id>/root`. */
  root: string;
  rootfs: Record<string, RootfsEntry[]>;
  /** Per director: its firmware files, early microcode segment and manifest section (src/stages/firmware.ts). */
  firmware: Record<string, DirectorFirmware>;
  /** sha256 of each director's published files and the release records, by path relative to the site root. */
  sha256: Record<string, string>;
  published: PublishResult;
}

/** The results of the steps named: what a step that needs them takes (the pipeline's order guarantees them). */
export type After<K extends keyof BuildResults> = BuildEnv & Pick<BuildResults, K>;

/**
 * A build as `lvs-image build` returns it: the options, the results of the steps that ran (all of them after a
 * full build; fewer after a dry run or a failure) and milliseconds per step key.
 */
export type BuildContext = BuildEnv & Partial<BuildResults> & { timings: Record<string, number> };

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
