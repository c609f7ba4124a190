/**
 * Produces a kernel's final .config: the base (tinyconfig, defconfig or a .config file) with the fragment
 * merged over it (merge_config.sh semantics), `make olddefconfig`, then every fragment symbol checked.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../../lib/errors.js';
import { mergeKconfig, parseKconfig, serializeKconfig, type KconfigOverride, type KconfigValues } from '../../lib/kconfig.js';
import type { StageIo } from '../../context.js';
import type { FragmentLine } from './fragment-lines.js';
import { readKconfigEntries } from './kconfig-tree.js';
import { describeDroppedOption, findDroppedOptions } from './verify.js';

/** Base configs made by a make target; anything else is a path to a .config file. */
const MAKE_BASES = new Set(['tinyconfig', 'defconfig', 'allnoconfig', 'allmodconfig', 'allyesconfig']);

/** The outcome of configuring: the final values and what the fragment replaced in the base. */
export interface ConfiguredKernel {
  configFile: string;
  values: KconfigValues;
  overrides: KconfigOverride[];
}

/** Merges `lines` onto `base` in `objDir` (a make O= folder) and verifies the result, or throws BuildError. */
export async function configureKernel(args: {
  treeDir: string;
  objDir: string;
  base: string;
  lines: readonly FragmentLine[];
  io: StageIo;
  logFile: string;
  onStep?: (step: string, run: () => Promise<void>) => Promise<void>;
}): Promise<ConfiguredKernel> {
  const { treeDir, objDir, base, io, logFile } = args;
  const step = args.onStep ?? (async (_s: string, run: () => Promise<void>) => run());
  const make = (target: string): Promise<unknown> =>
    io.run('make', ['-C', treeDir, `O=${objDir}`, target], { logFile, timeoutMs: 10 * 60 * 1000 });
  await mkdir(objDir, { recursive: true });
  const configFile = path.join(objDir, '.config');
  let overrides: KconfigOverride[] = [];
  await step('olddefconfig', async () => {
    if (MAKE_BASES.has(base)) await make(base);
    else {
      if (!existsSync(base)) throw new BuildError(`base config ${base} does not exist`, { hint: 'set kernel.base to tinyconfig, defconfig or an existing .config file' });
      await copyFile(base, configFile);
    }
    const fragment: KconfigValues = new Map(args.lines.map((l) => [l.symbol, l.value]));
    const merged = mergeKconfig(parseKconfig(await readFile(configFile, 'utf8')), fragment);
    overrides = merged.overrides;
    await writeFile(configFile, serializeKconfig(merged.values));
    await make('olddefconfig');
  });
  const values = parseKconfig(await readFile(configFile, 'utf8'));
  await step('verify', async () => {
    const requested = args.lines.map((l) => ({ symbol: l.symbol, value: l.value }));
    const firstPass = findDroppedOptions(requested, values, new Map());
    if (firstPass.length === 0) return;
    const entries = readKconfigEntries(treeDir, firstPass.map((d) => d.symbol));
    const dropped = findDroppedOptions(requested, values, entries);
    throw new BuildError(
      `make olddefconfig dropped or changed ${dropped.length} requested kernel option${dropped.length === 1 ? '' : 's'} (base ${base}):\n` +
        dropped.map((d) => `  ${describeDroppedOption(d)}`).join('\n'),
      { hint: `enable the unmet dependencies (kernel.extraConfig) or choose another base; final config: ${configFile}`, logFile },
    );
  });
  return { configFile, values, overrides };
}
