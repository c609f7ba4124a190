/**
 * Warm-rebuild memos for the expensive stages (kernel, ipvsadm): a stage's result is remembered in the shared
 * cache under a key of everything that decides it, and reused while the files it names still exist. The stages
 * keep their own build caches; a memo only skips the checks and look-ups they redo on every call (reconfiguring
 * the kernel, asking apt for the ipvsadm source), which already passed for exactly these inputs.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheKey, withCache } from './lib/cache.js';
import { cacheDir, removeTree } from './lib/fs.js';

/** Size and mtime of a file or folder, or `missing`; a cheap identity for inputs not worth hashing each build. */
export async function fileIdentity(file: string): Promise<string> {
  const st = await stat(file).catch(() => undefined);
  return st === undefined ? `${file}:missing` : `${file}:${st.size}:${st.mtimeMs}`;
}

/**
 * Returns the remembered result for `inputs` when every path `pathsOf` lists still exists; otherwise computes
 * it and remembers it. `log` says when a memo was used.
 */
export async function memoize<T>(
  kind: string,
  inputs: readonly string[],
  pathsOf: (value: T) => (string | undefined)[],
  compute: () => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  const key = cacheKey([kind, ...inputs]);
  const file = path.join(cacheDir('memo', kind, key), 'value.json');
  if (existsSync(file)) {
    const value = JSON.parse(await readFile(file, 'utf8')) as T;
    if (pathsOf(value).every((p) => p === undefined || existsSync(p))) {
      log(`${kind}: inputs unchanged since a verified build, reusing it (memo ${key.slice(0, 12)})`);
      return value;
    }
    await removeTree(path.dirname(file));
  }
  const value = await compute();
  await withCache(path.join('memo', kind), key, async (tmp) => {
    await writeFile(path.join(tmp, 'value.json'), JSON.stringify(value, null, 2) + '\n');
  });
  return value;
}
