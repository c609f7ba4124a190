/**
 * Produces a kernel's final .config: the base (tinyconfig, defconfig or a .config file) with the fragment
 * merged over it (merge_config.sh semantics), `make olddefconfig`, then every fragment symbol checked.
 * The olddefconfig result is cached per (source, base, fragment); the check runs every time.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheKey, withCache } from '../../lib/cache.js';
import { BuildError } from '../../lib/errors.js';
import { sha256File } from '../../lib/fs.js';
import { mergeKconfig, parseKconfig, serializeKconfig, type KconfigValues } from '../../lib/kconfig.js';
import type { StageIo } from '../../context.js';
import type { FragmentLine } from './fragment-lines.js';
import { readKconfigEntries } from './kconfig-tree.js';
import { describeDroppedOption, findDroppedOptions } from './verify.js';

/** Base configs made by a make target; anything else is a path to a .config file. */
const MAKE_BASES = new Set(['tinyconfig', 'defconfig', 'allnoconfig', 'allmodconfig', 'allyesconfig']);
const LAYOUT = 'kernel-config-v1';

/** The final config (a file in the build cache) and its values. */
export interface ConfiguredKernel {
  configFile: string;
  values: KconfigValues;
  hit: boolean;
}

type Step = (name: string, run: () => Promise<void>) => Promise<void>;

/** Merges `lines` onto `base`, runs olddefconfig (cached) and verifies the result, or throws BuildError. */
export async function configureKernel(args: {
  treeDir: string;
  sourceSha256: string;
  base: string;
  lines: readonly FragmentLine[];
  io: StageIo;
  logFile: string;
  onStep?: Step;
}): Promise<ConfiguredKernel> {
  const { treeDir, base, io, logFile } = args;
  const step: Step = args.onStep ?? (async (_s, run) => run());
  const fragment: KconfigValues = new Map(args.lines.map((l) => [l.symbol, l.value]));
  const baseId = MAKE_BASES.has(base) ? base : await baseFileId(base);
  const key = cacheKey([LAYOUT, args.sourceSha256, baseId, serializeKconfig(fragment)]);
  let entry = { dir: '', hit: false };
  await step('olddefconfig', async () => {
    entry = await withCache('kernel-config', key, async (tmp) => {
      const objDir = path.join(tmp, 'obj');
      await mkdir(objDir, { recursive: true });
      const configFile = path.join(objDir, '.config');
      const make = (target: string): Promise<unknown> =>
        io.run('make', ['-C', treeDir, `O=${objDir}`, target], { logFile, timeoutMs: 15 * 60 * 1000 });
      if (MAKE_BASES.has(base)) await make(base);
      else await copyFile(base, configFile);
      const merged = mergeKconfig(parseKconfig(await readFile(configFile, 'utf8')), fragment);
      await writeFile(configFile, serializeKconfig(merged.values));
      await make('olddefconfig');
      await copyFile(configFile, path.join(tmp, 'config'));
      await writeFile(path.join(tmp, 'overrides.json'), JSON.stringify(merged.overrides, null, 2) + '\n');
      await rm(objDir, { recursive: true, force: true });
    });
  });
  const configFile = path.join(entry.dir, 'config');
  const values = parseKconfig(await readFile(configFile, 'utf8'));
  await step('verify', () =>
    Promise.resolve(verifyKernelConfig(treeDir, base, args.lines, values, configFile, logFile)),
  );
  return { configFile, values, hit: entry.hit };
}

async function baseFileId(base: string): Promise<string> {
  if (!existsSync(base)) {
    throw new BuildError(`base config ${base} does not exist`, {
      hint: 'set kernel.base to tinyconfig, defconfig or an existing .config file',
    });
  }
  return `file:${await sha256File(base)}`;
}

/** Throws a BuildError listing every requested option olddefconfig dropped, with its unmet dependencies. */
export function verifyKernelConfig(
  treeDir: string,
  base: string,
  lines: readonly FragmentLine[],
  values: KconfigValues,
  configFile: string,
  logFile: string,
): void {
  const requested = lines.map((l) => ({ symbol: l.symbol, value: l.value }));
  const firstPass = findDroppedOptions(requested, values, new Map());
  if (firstPass.length === 0) return;
  const dropped = findDroppedOptions(
    requested,
    values,
    readKconfigEntries(
      treeDir,
      firstPass.map((d) => d.symbol),
    ),
  );
  const n = dropped.length;
  throw new BuildError(
    `make olddefconfig dropped or changed ${n} requested kernel option${n === 1 ? '' : 's'} (base ${base}):\n` +
      dropped.map((d) => `  ${describeDroppedOption(d)}`).join('\n'),
    {
      hint: `enable the unmet dependencies (kernel.extraConfig) or choose another base; final config: ${configFile}`,
      logFile,
    },
  );
}
