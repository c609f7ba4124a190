/**
 * The shared build cache (kernel, ipvsadm, sources): one folder per key, built once per machine.
 * Concurrent builders of the same key (two test files, two terminals) wait on a lock instead of building twice.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildError } from './errors.js';
import { cacheDir, sha256 } from './fs.js';

/** A cache hit or a freshly built entry. */
export interface CacheEntry {
  dir: string;
  hit: boolean;
}

/** Hex key for a list of inputs (hashes, flags, compiler version). */
export function cacheKey(inputs: readonly string[]): string {
  return sha256(inputs.join('\0')).slice(0, 32);
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(lock: string, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
    // A lock left by a killed process is stale: take it over. (A lock without a pid file yet is fresh.)
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new BuildError(`timed out waiting for the cache lock ${lock} held by process ${owner}`, {
        hint: 'another lvs-image build is filling the same cache entry; wait for it, or remove the lock folder if no build is running',
      });
    }
    await sleep(500);
  }
}

/**
 * Returns the cache folder for `kind`/`key`, calling `build(tmpDir)` to fill it when absent.
 * The entry appears atomically (built in a temporary folder, then renamed), so an interrupted build leaves nothing.
 */
export async function withCache(
  kind: string,
  key: string,
  build: (tmpDir: string) => Promise<void>,
  opts: { maxWaitMs?: number } = {},
): Promise<CacheEntry> {
  const dir = cacheDir(kind, key);
  if (existsSync(path.join(dir, '.complete'))) return { dir, hit: true };
  await mkdir(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  await acquireLock(lock, opts.maxWaitMs ?? 60 * 60 * 1000);
  try {
    if (existsSync(path.join(dir, '.complete'))) return { dir, hit: true };
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    try {
      await build(tmp);
      await writeFile(path.join(tmp, '.complete'), new Date().toISOString() + '\n');
      await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return { dir, hit: false };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
