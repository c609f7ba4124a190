/**
 * `lvs-image build`, top to bottom: one listr2 task per step, each one call into src/build-steps.ts.
 * validate → plan → preflight → (dry run stops) → lock → sources → log → kernel config → kernel → ipvsadm →
 * programs (src/packages/programs.ts) → render → check configs → staging → rootfs → firmware → initramfs → pxe →
 * publish.
 * Each step takes the results of the steps before it, typed (src/build-context.ts), and returns its own.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Listr, PRESET_TIMER, type ListrRendererValue, type ListrTask } from 'listr2';
import type { BuildContext, BuildEnv } from './build-context.js';
import * as step from './build-steps.js';
import { firmwareStep } from './firmware-step.js';
import { PROGRAMS } from './packages/programs.js';

/** Keys of the build's tasks, in order (the `--json` timings use them). */
export type StepKey =
  | 'validate'
  | 'plan'
  | 'preflight'
  | 'lock'
  | 'sources'
  | 'log'
  | 'kernel-config'
  | 'kernel'
  | 'ipvsadm'
  | 'programs'
  | 'render'
  | 'check-configs'
  | 'staging'
  | 'rootfs'
  | 'firmware'
  | 'initramfs'
  | 'pxe'
  | 'publish';

interface Step {
  key: StepKey;
  title: string;
  /** Runs the step and merges its result into the build. */
  run: (ctx: BuildContext) => Promise<void>;
  /** Runs in `--dry-run` too. */
  dryRun?: true;
}

/**
 * The build's steps as a typed chain: `then` adds a step that may read what the steps before it returned (`C`)
 * and adds what it returns, so a step placed before a result it needs does not compile.
 */
export class Chain<C extends object> {
  constructor(readonly steps: readonly Step[]) {}

  then<R extends object>(
    key: StepKey,
    title: string,
    run: (ctx: BuildEnv & C) => R | Promise<R>,
    dryRun?: true,
  ): Chain<C & R> {
    const step: Step = {
      key,
      title,
      // NOTE: the one cast of the build: the chain ran every step before this one (listr stops at the first error).
      run: async (ctx) => void Object.assign(ctx, await run(ctx as unknown as BuildEnv & C)),
      ...(dryRun ? { dryRun } : {}),
    };
    return new Chain<C & R>([...this.steps, step]);
  }
}

const DRY = true as const;

/** The gates: nothing is written before they pass, and a dry run stops after them. */
const checked = new Chain<object>([])
  .then('validate', 'Validate spec', step.validateStep, DRY)
  .then('plan', 'Plan image', step.planStep, DRY)
  .then('preflight', 'Check host tools, sources and output folder', step.preflightStep, DRY);

/** The inputs: the lock, every source, the log. */
const sourced = checked
  .then('lock', 'Check lock file', step.lockStep)
  .then('sources', 'Get sources through the store', step.sourcesStep)
  .then('log', 'Open build log', step.logStep);

/** The binaries: kernel (its fragment made once), ipvsadm, each program of the table a director runs. */
const built = sourced
  .then('kernel-config', 'Generate kernel config fragment', step.kernelConfigStep)
  .then('kernel', 'Provide kernel', step.kernelStep)
  .then('ipvsadm', 'Provide ipvsadm', step.ipvsadmStep)
  .then('programs', `Provide ${PROGRAMS.map((p) => p.title).join(', ')}`, step.programsStep);

/** The files: rendered, then checked by the programs that read them. */
const rendered = built
  .then('render', 'Render director files', step.renderStep)
  .then(
    'check-configs',
    'Check rendered files with the built programs (keepalived -t)',
    step.configCheckStep,
  );

/** The build, in order: the release assembled in staging, then published. */
export const STEPS: readonly Step[] = rendered
  .then('staging', 'Create staging folder', step.stagingStep)
  .then('rootfs', 'Assemble root filesystems', step.rootfsStep)
  .then('firmware', 'Add firmware and microcode', firmwareStep)
  .then('initramfs', 'Pack initramfs', step.initramfsStep)
  .then('pxe', 'Write kernels and PXE boot files', step.pxeStep)
  .then('publish', 'Publish release', step.publishStep).steps;

/**
 * Test hook (documented in test/pipeline-kill.test.ts): with LVS_IMAGE_TEST_PAUSE_AT=<step key> the build
 * prints `lvs-image: paused at <key>` on stderr and sleeps LVS_IMAGE_TEST_PAUSE_MS (default 60 s) before that
 * step, so a test can kill it at a known point.
 */
async function pauseForTest(key: StepKey): Promise<void> {
  if (process.env.LVS_IMAGE_TEST_PAUSE_AT !== key) return;
  process.stderr.write(`lvs-image: paused at ${key}\n`);
  await sleep(Number(process.env.LVS_IMAGE_TEST_PAUSE_MS ?? 60_000));
}

/** Wraps a step: the test pause, elapsed time into ctx.timings, progress lines to the task and the log. */
function toTask(s: Step): ListrTask<BuildContext> {
  return {
    title: s.title,
    enabled: (ctx) => s.dryRun === true || !ctx.options.dryRun,
    task: async (ctx, task) => {
      await pauseForTest(s.key);
      const started = performance.now();
      const log = ctx.io.log;
      ctx.io = {
        ...ctx.io,
        log: (line) => {
          task.output = line;
          if (ctx.logFile !== undefined) appendFileSync(ctx.logFile, `${line}\n`);
        },
      };
      try {
        if (ctx.logFile !== undefined) appendFileSync(ctx.logFile, `=== ${s.title}\n`);
        await s.run(ctx);
      } finally {
        ctx.io = { ...ctx.io, log };
        ctx.timings[s.key] = Math.round(performance.now() - started);
      }
    },
  };
}

/** The listr2 task list of a build; run it with `.run(ctx)`. */
export function makeBuildTasks(
  ctx: Pick<BuildContext, 'options'>,
): Listr<BuildContext, ListrRendererValue, ListrRendererValue> {
  const { renderer, verbose } = ctx.options;
  return new Listr<BuildContext, ListrRendererValue, ListrRendererValue>(STEPS.map(toTask), {
    renderer,
    rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false },
    // Not a TTY, or --verbose: plain lines; silent/test stay silent/test.
    fallbackRenderer: renderer === 'default' ? 'simple' : renderer,
    fallbackRendererOptions: { timer: PRESET_TIMER },
    fallbackRendererCondition: verbose || process.stdout.isTTY !== true,
    exitOnError: true,
    // NOTE: no signal handlers: SIGINT/SIGKILL simply end the process; the published image is never touched
    // before the final rename, and the next build removes the orphaned staging folder.
    registerSignalListeners: false,
  });
}
