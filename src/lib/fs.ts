/** File-system side effects: atomic writes, staging folders, checksums, the build cache location. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, writeFile, rm, mkdtemp } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/** Writes a file through a temporary name and a rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // NOTE: pid + random: two writers in one process (or one millisecond) never share a temporary name.
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, file);
}

/** sha256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 of a string or buffer, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The per-user build cache shared by every build and test on this machine (kernel, ipvsadm, sources). */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.LVS_IMAGE_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'lvs-image');
  return path.join(base, ...parts);
}

/** Creates a fresh staging folder `<parent>/.staging-<random>`. */
export async function makeStagingDir(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, '.staging-'));
}

/** Removes a folder tree if it exists. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
