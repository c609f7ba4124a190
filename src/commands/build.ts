/** `lvs-image build SPEC`: the whole pipeline (src/pipeline.ts), then a summary (plain or `--json`). */
import type { Command } from 'commander';
import { epochFromEnv, type BuildContext, type BuildOptions } from '../build-context.js';
import { run } from '../lib/exec.js';
import { BuildError, SpecError } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { DEFAULT_OUT_DIR } from '../layout.js';
import { makeBuildTasks } from '../pipeline.js';
import { summarizeBuild } from '../build-summary.js';
import { offlineFromEnv } from '../stages/sources.js';

function parseJobs(value: string): number {
  if (!/^[1-9]\d*$/.test(value))
    throw new SpecError({ message: `--jobs ${value}: must be a positive integer` });
  return Number(value);
}

function parseKeep(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 2)
    throw new SpecError({
      message: `--keep ${value}: must be a whole number of at least 2`,
      hint: 'the current release and the previous one (for rollback) are always kept',
    });
  return Number(value);
}

/** Runs a build with resolved options and returns its context (the command and tests share this). */
export async function runBuild(options: BuildOptions): Promise<BuildContext> {
  const ctx: BuildContext = { options, io: { run, log: () => undefined }, timings: {} };
  try {
    await makeBuildTasks(ctx).run(ctx);
  } catch (err) {
    // Every build error names the full log, once there is one.
    if (err instanceof BuildError && err.logFile === undefined && ctx.logFile !== undefined) {
      Object.assign(err, { logFile: ctx.logFile });
    }
    throw err;
  }
  return ctx;
}

interface BuildFlags {
  out: string;
  frozen?: boolean;
  offline?: boolean;
  allowIpvsMismatch?: boolean;
  templates?: string;
  dryRun?: boolean;
  jobs?: number;
  keep: number;
  secrets?: string;
  verbose?: boolean;
  json?: boolean;
}

/** Registers `build`. */
export function register(program: Command): void {
  program
    .command('build')
    .description(
      'build the kernel, initrd and PXE boot files of every director in SPEC, published atomically',
    )
    .argument('<spec>', 'site spec (YAML or JSON)')
    .option('--out <dir>', 'output folder; the site is published as <dir>/<site>', DEFAULT_OUT_DIR)
    .option(
      '--frozen',
      'build exactly what the lock names (sources from the store when Debian moved on); refuse when the spec no longer matches the lock',
    )
    .option('--offline', 'fetch no source over the network: the source store and local files only')
    .option(
      '--allow-ipvs-mismatch',
      "build even when ipvsadm's IPVS version differs from the kernel's (risky)",
    )
    .option('--templates <dir>', 'folder of template overrides (same relative paths as templates/)')
    .option('--dry-run', 'stop after validation, planning and preflight; write nothing')
    .option('--jobs <n>', 'parallel jobs for the kernel build (default: number of cores)', parseJobs)
    .option(
      '--secrets <dir>',
      "folder of the directors' SSH host keys (made there once, then reused); default: secrets/<site> beside the spec",
    )
    .option('--verbose', 'plain progress lines with every step')
    .option(
      '--keep <n>',
      'releases of the site to keep in <out>/.releases (at least 2: the new one and the one before)',
      parseKeep,
      2,
    )
    .action(async (spec: string, _opts: BuildFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<BuildFlags>();
      const json = flags.json === true;
      const ctx = await runBuild({
        specFile: spec,
        outDir: flags.out,
        frozen: flags.frozen === true,
        offline: flags.offline === true || offlineFromEnv(),
        allowIpvsMismatch: flags.allowIpvsMismatch === true,
        templatesDir: flags.templates,
        dryRun: flags.dryRun === true,
        jobs: flags.jobs,
        keep: flags.keep,
        ...(flags.secrets !== undefined ? { secretsDir: flags.secrets } : {}),
        epoch: epochFromEnv(),
        renderer: json ? 'silent' : 'default',
        verbose: flags.verbose === true,
      });
      const summary = summarizeBuild(ctx);
      if (json) printJson(summary);
      else process.stdout.write(summary.lines.join('\n') + '\n');
    });
}
