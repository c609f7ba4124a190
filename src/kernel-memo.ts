/**
 * A warm-rebuild shortcut around the kernel stage: the KernelArtifacts of a source-built kernel are remembered
 * in the shared cache, keyed by everything that decides the kernel (the spec's kernel pin, the generated
 * fragment, the source tarball's identity, the compiler). A hit skips `make tinyconfig`/`olddefconfig` and the
 * verification, which already passed for exactly these inputs; a miss, or a remembered entry whose files are
 * gone, runs provideKernel as usual. Prebuilt kernels are checked every time (that takes milliseconds).
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelArtifacts, StageIo } from './context.js';
import { cacheKey, withCache } from './lib/cache.js';
import { cacheDir, removeTree } from './lib/fs.js';
import type { Spec } from './spec/types.js';
import { provideKernel, type ProvideKernelOptions } from './stages/kernel.js';
import { generateKernelFragment } from './stages/kernel-config.js';

/** Bumped when what is remembered changes shape. */
const LAYOUT = 'kernel-memo-v1';

/** Path and size+mtime of the file a source pin names (a tarball is not re-hashed on every build). */
async function sourceIdentity(spec: Spec, specDir: string): Promise<string | undefined> {
  const ref = spec.kernel.source;
  if (ref === undefined) return undefined;
  if ('url' in ref) return `url:${ref.sha256}`;
  const file = 'debian' in ref ? `/usr/src/${ref.debian}.tar.xz` : path.resolve(specDir, ref.path);
  const st = await stat(file).catch(() => undefined);
  return st !== undefined && st.isFile() ? `${file}:${st.size}:${st.mtimeMs}` : undefined;
}

function stillThere(k: KernelArtifacts): boolean {
  return [k.image, k.config, k.headersDir, k.modulesRoot].every((p) => p === undefined || existsSync(p));
}

/** provideKernel, remembered per input set (see the module comment). */
export async function provideKernelMemo(
  spec: Spec,
  io: StageIo,
  opts: ProvideKernelOptions & { specDir: string; compiler: string | undefined },
): Promise<KernelArtifacts> {
  const identity = spec.kernel.prebuilt === undefined ? await sourceIdentity(spec, opts.specDir) : undefined;
  if (identity === undefined) return provideKernel(spec, io, opts);
  const fragment = generateKernelFragment(spec).text;
  const key = cacheKey([LAYOUT, JSON.stringify(spec.kernel), fragment, identity, opts.compiler ?? '']);
  const file = path.join(cacheDir('kernel-memo', key), 'artifacts.json');
  if (existsSync(file)) {
    const remembered = JSON.parse(await readFile(file, 'utf8')) as KernelArtifacts;
    if (stillThere(remembered)) {
      io.log(
        `kernel ${remembered.release}: same inputs as a verified build, reusing ${path.dirname(remembered.image)}`,
      );
      return remembered;
    }
    await removeTree(path.dirname(file));
  }
  const kernel = await provideKernel(spec, io, opts);
  await withCache('kernel-memo', key, async (tmp) => {
    await writeFile(path.join(tmp, 'artifacts.json'), JSON.stringify(kernel, null, 2) + '\n');
  });
  return kernel;
}
