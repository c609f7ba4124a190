/**
 * `make bzImage modules` for a configured tree, cached per machine: the key is the source hash, the final
 * .config hash and the compiler's `gcc --version` line, so the same kernel is built once.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { cacheKey, withCache } from '../../lib/cache.js';
import { cacheDir, sha256 } from '../../lib/fs.js';
import { parseKconfig } from '../../lib/kconfig.js';
import type { StageIo } from '../../context.js';

/** Files of a cached kernel build. */
export interface BuiltKernel {
  dir: string;
  hit: boolean;
  release: string;
  image: string;
  config: string;
  /** INSTALL_MOD_PATH folder (holds lib/modules/<release>), when the config has modules. */
  modulesRoot?: string;
  /** The `.modinfo` of every built-in driver (`<module>.firmware=<file>` ...), kept with or without modules. */
  builtinModinfo: string;
}

/** Bumped when the layout of a cache entry (or what goes into its bytes) changes. */
// v3: modules.builtin.modinfo kept (the firmware the built-in drivers declare, src/stages/firmware/).
const LAYOUT = 'kernel-build-v3';

/**
 * Kbuild's build stamp, fixed so that two builds of the same source and config give the same bzImage
 * (docs.kernel.org/kbuild/reproducible-builds.html): the date is the source tree's own (its top Makefile's
 * mtime, from the tarball), user and host name the tool, and the build number is always 1.
 */
export function kbuildStampEnv(makefileMtime: Date): Record<string, string> {
  return {
    KBUILD_BUILD_TIMESTAMP: makefileMtime.toUTCString(),
    KBUILD_BUILD_USER: 'lvs-image',
    KBUILD_BUILD_HOST: 'lvs-image',
    KBUILD_BUILD_VERSION: '1',
  };
}
const BUILD_TIMEOUT_MS = 3 * 60 * 60 * 1000;

/**
 * make's arguments and environment for ccache, when it is installed: compiled objects are reused across builds
 * (other configs, other cache folders, a frozen rebuild). Paths under lvs-image's cache folder (source tree and
 * object folder) are rewritten relative to the object folder, so builds in different folders share objects. That
 * rewriting also turns the source file names gcc sees relative, which kbuild's -fmacro-prefix-map=<srctree>/= no
 * longer strips from __FILE__ (WARN/BUG strings): the same map for the relative tree keeps those strings, and with
 * them the kernel's bytes, what plain gcc makes. Without ccache: plain gcc.
 */
export async function compilerCache(
  io: StageIo,
  treeDir: string,
  objDir: string,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const r = await io
    .run('ccache', ['--version'], { reject: false, timeoutMs: 30_000 })
    .catch(() => undefined);
  if (r?.exitCode !== 0) return { args: [], env: {} };
  return {
    args: ['CC=ccache gcc', `KCFLAGS=-fmacro-prefix-map=${path.relative(objDir, treeDir)}/=`],
    env: { CCACHE_BASEDIR: cacheDir(), CCACHE_NOHASHDIR: '1' },
  };
}

/** Builds (or reuses) the kernel for `configFile`; the entry holds bzImage, config, release and modules/. */
export async function buildKernel(args: {
  treeDir: string;
  configFile: string;
  sourceSha256: string;
  io: StageIo;
  logFile: string;
  jobs?: number;
  step: (name: string, run: () => Promise<void>) => Promise<void>;
}): Promise<BuiltKernel> {
  const { treeDir, io, logFile } = args;
  const configText = await readFile(args.configFile, 'utf8');
  const withModules = parseKconfig(configText).get('MODULES') === 'y';
  const gcc = (await io.run('gcc', ['--version'], { timeoutMs: 30_000 })).stdout.split('\n')[0] ?? '';
  const key = cacheKey([LAYOUT, args.sourceSha256, sha256(configText), gcc]);
  const jobs = String(args.jobs ?? availableParallelism());
  const stamp = kbuildStampEnv((await stat(path.join(treeDir, 'Makefile'))).mtime);
  const entry = await withCache('kernel-build', key, async (tmp) => {
    const obj = path.join(tmp, 'obj');
    await mkdir(obj, { recursive: true });
    const ccache = await compilerCache(io, treeDir, obj);
    await copyFile(args.configFile, path.join(obj, '.config'));
    // nice: a kernel build takes every core for minutes; keep the machine responsive for everything else.
    const make = (targets: string[]): Promise<unknown> =>
      io.run(
        'nice',
        ['-n', '10', 'make', '-C', treeDir, `O=${obj}`, `-j${jobs}`, ...ccache.args, ...targets],
        {
          logFile,
          timeoutMs: BUILD_TIMEOUT_MS,
          env: { ...stamp, ...ccache.env },
        },
      );
    const started = Date.now();
    await args.step('build', () =>
      make(withModules ? ['bzImage', 'modules'] : ['bzImage']).then(() => undefined),
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const release = (
      await io.run('make', ['-s', '-C', treeDir, `O=${obj}`, 'kernelrelease'], { timeoutMs: 60_000 })
    ).stdout.trim();
    await copyFile(path.join(obj, 'arch/x86/boot/bzImage'), path.join(tmp, 'bzImage'));
    await copyFile(path.join(obj, '.config'), path.join(tmp, 'config'));
    await copyFile(path.join(obj, 'System.map'), path.join(tmp, 'System.map'));
    // Made beside vmlinux.o with or without CONFIG_MODULES (scripts/Makefile.vmlinux_o); modules_install only
    // copies it when there are modules.
    await copyFile(path.join(obj, 'modules.builtin.modinfo'), path.join(tmp, 'modules.builtin.modinfo'));
    if (withModules) {
      await args.step('modules_install', async () => {
        await make([
          'modules_install',
          `INSTALL_MOD_PATH=${path.join(tmp, 'modules')}`,
          'INSTALL_MOD_STRIP=1',
        ]);
        // The build/source links point into the object folder, which is not kept.
        for (const link of ['build', 'source'])
          await rm(path.join(tmp, 'modules/lib/modules', release, link), { force: true });
      });
    }
    await writeFile(path.join(tmp, 'release'), release + '\n');
    await writeFile(
      path.join(tmp, 'build-info.json'),
      JSON.stringify(
        { release, gcc, ccache: ccache.args.length > 0, jobs, seconds, sourceSha256: args.sourceSha256 },
        null,
        2,
      ) + '\n',
    );
    await rm(obj, { recursive: true, force: true });
  });
  const release = (await readFile(path.join(entry.dir, 'release'), 'utf8')).trim();
  const modulesRoot = path.join(entry.dir, 'modules');
  return {
    dir: entry.dir,
    hit: entry.hit,
    release,
    image: path.join(entry.dir, 'bzImage'),
    config: path.join(entry.dir, 'config'),
    builtinModinfo: path.join(entry.dir, 'modules.builtin.modinfo'),
    ...(existsSync(modulesRoot) ? { modulesRoot } : {}),
  };
}
