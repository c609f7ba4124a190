/**
 * `lvs-image build`, top to bottom: one listr2 task per step, each one call into src/build-steps.ts.
 * validate → plan → preflight → (dry run stops) → lock → sources → log → kernel config → kernel → ipvsadm →
 * keepalived → dropbear and host keys → busybox applets → render → check configs → staging → rootfs → initramfs → pxe → publish.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Listr, PRESET_TIMER, type ListrRendererValue, type ListrTask } from 'listr2';
import type { BuildContext } from './build-context.js';
import * as step from './build-steps.js';

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
  | 'keepalived'
  | 'dropbear'
  | 'busybox'
  | 'render'
  | 'check-configs'
  | 'staging'
  | 'rootfs'
  | 'initramfs'
  | 'pxe'
  | 'publish';

interface Step {
  key: StepKey;
  title: string;
  run: (ctx: BuildContext) => Promise<void> | void;
  /** Runs in `--dry-run` too. */
  dryRun?: true;
}

/** The build, in order. */
export const STEPS: readonly Step[] = [
  { key: 'validate', title: 'Validate spec', run: step.validateStep, dryRun: true },
  { key: 'plan', title: 'Plan image', run: step.planStep, dryRun: true },
  {
    key: 'preflight',
    title: 'Check host tools, sources and output folder',
    run: step.preflightStep,
    dryRun: true,
  },
  { key: 'lock', title: 'Check lock file', run: step.lockStep },
  { key: 'sources', title: 'Get sources through the store', run: step.sourcesStep },
  { key: 'log', title: 'Open build log', run: step.logStep },
  { key: 'kernel-config', title: 'Generate kernel config fragment', run: step.kernelConfigStep },
  { key: 'kernel', title: 'Provide kernel', run: step.kernelStep },
  { key: 'ipvsadm', title: 'Provide ipvsadm', run: step.ipvsadmStep },
  { key: 'keepalived', title: 'Provide keepalived', run: step.keepalivedStep },
  { key: 'dropbear', title: 'Provide dropbear and SSH host keys', run: step.dropbearStep },
  { key: 'busybox', title: 'Provide busybox applets (ntpd)', run: step.busyboxStep },
  { key: 'render', title: 'Render director files', run: step.renderStep },
  { key: 'check-configs', title: 'Check keepalived configs (keepalived -t)', run: step.configCheckStep },
  { key: 'staging', title: 'Create staging folder', run: step.stagingStep },
  { key: 'rootfs', title: 'Assemble root filesystems', run: step.rootfsStep },
  { key: 'initramfs', title: 'Pack initramfs', run: step.initramfsStep },
  { key: 'pxe', title: 'Write kernels and PXE boot files', run: step.pxeStep },
  { key: 'publish', title: 'Publish release', run: step.publishStep },
];

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
