/** `lvs-image plan SPEC`: prints the build plan as JSON (what `build` would do), writing nothing. */
import type { Command } from 'commander';
import { epochFromEnv } from '../build-context.js';
import { printJson } from '../lib/output.js';
import { planImage } from '../plan.js';
import { loadSpec } from '../spec/load.js';

/** Registers `plan`. */
export function register(program: Command): void {
  program
    .command('plan')
    .description(
      'print the build plan of SPEC as JSON: files to render, modules, outputs, kernel command line',
    )
    .argument('<spec>', 'site spec (YAML or JSON)')
    .action(async (spec: string) => {
      const loaded = await loadSpec(spec);
      const epoch = epochFromEnv();
      printJson(planImage(loaded.spec, epoch !== undefined ? { epoch } : {}));
    });
}
