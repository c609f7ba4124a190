/**
 * Publishes a finished staging folder atomically: SHA256SUMS over the whole root, the folder renamed to
 * `out/.releases/<site>-<content hash>`, then `out/<site>` (a symlink) replaced by rename(2) of a temporary
 * symlink. The release it replaces stays as `out/.releases/<site>.previous` for rollback; older ones are pruned.
 * A build killed at any point before the final rename leaves the published image untouched.
 */
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { makeStagingDir, removeTree, sha256, sha256File, writeFileAtomic } from '../lib/fs.js';
import { pidAlive } from '../lib/cache.js';

/** Where a site was published. */
export interface PublishResult {
  /** `out/<site>`, the symlink servers point at. */
  siteLink: string;
  /** The release folder it points to. */
  release: string;
  /** The release it replaced, if any (kept as `<site>.previous`). */
  previous: string | undefined;
  /** sha256 of SHA256SUMS, the release's identity. */
  contentHash: string;
}

/** Folder of published releases under the output folder. */
export function releasesDir(outDir: string): string {
  return path.join(outDir, '.releases');
}

/** The id of folder `name` when it is a release of `site` (`<site>-` and 16 hex digits), else undefined. */
export function releaseId(site: string, name: string): string | undefined {
  const id = name.slice(site.length + 1);
  return name.startsWith(`${site}-`) && /^[0-9a-f]{16}$/.test(id) ? id : undefined;
}

/** Every regular file under `root`, as sorted relative POSIX paths. */
export async function listFiles(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(p);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `sha256sum`-format lines (`<hash>  <path>`) for every file of `root` except SHA256SUMS itself. */
export async function computeSha256Sums(root: string): Promise<string> {
  const files = (await listFiles(root)).filter((f) => f !== 'SHA256SUMS');
  const lines = await Promise.all(files.map(async (f) => `${await sha256File(path.join(root, f))}  ${f}\n`));
  return lines.join('');
}

/** The target of symlink `p`; undefined when it does not exist; a clear error when it is not a symlink. */
export async function readLinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await readlink(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EINVAL') {
      throw new BuildError(`${p} exists and is not a symlink, so it cannot be replaced atomically`, {
        hint: `move it away (it is not an lvs-image release) or build with --out pointing at another folder`,
      });
    }
    throw err;
  }
}

/** Points `link` at `target` atomically (a temporary symlink renamed over it). */
export async function swapSymlink(link: string, target: string): Promise<void> {
  const tmp = `${link}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Keeps the releases of `site` named in `always` and the newest others up to `count` in all; removes the rest. */
async function pruneReleases(
  outDir: string,
  site: string,
  always: readonly string[],
  count: number,
): Promise<void> {
  const dir = releasesDir(outDir);
  const isRelease = (name: string): boolean => releaseId(site, name) !== undefined;
  const others = await Promise.all(
    (await readdir(dir))
      .filter((name) => isRelease(name) && !always.includes(name))
      .map(async (name) => ({ name, mtime: (await lstat(path.join(dir, name))).mtimeMs })),
  );
  others.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of others.slice(Math.max(0, count - always.length)))
    await removeTree(path.join(dir, name));
}

/**
 * Creates `out/.staging-<id>/` with the site root in `root/` and the owner's pid beside it, after removing
 * staging folders left by builds that were killed. Returns the root to build into.
 */
export async function makeSiteStaging(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) {
    if (!name.startsWith('.staging-')) continue;
    const owner = Number(await readFile(path.join(outDir, name, 'pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) await removeTree(path.join(outDir, name));
  }
  const staging = await makeStagingDir(outDir);
  await writeFileAtomic(path.join(staging, 'pid'), String(process.pid));
  await mkdir(path.join(staging, 'root'));
  return path.join(staging, 'root');
}

/**
 * Writes SHA256SUMS into `root` (made by `makeSiteStaging`) and publishes it as the current release of `site`;
 * keeps `keep` releases in all (at least the new one and the previous one).
 */
export async function publishRelease(
  root: string,
  outDir: string,
  site: string,
  keep: number = 2,
): Promise<PublishResult> {
  const sums = await computeSha256Sums(root);
  await writeFileAtomic(path.join(root, 'SHA256SUMS'), sums);
  const contentHash = sha256(sums);
  const name = `${site}-${contentHash.slice(0, 16)}`;
  const release = path.join(releasesDir(outDir), name);
  const siteLink = path.join(outDir, site);
  const current = await readLinkOrUndefined(siteLink);
  const target = path.posix.join('.releases', name);
  await mkdir(releasesDir(outDir), { recursive: true });
  if (!(await exists(release))) await rename(root, release);
  await removeTree(path.dirname(root));
  const previousName = current !== undefined && current !== target ? path.basename(current) : undefined;
  if (previousName !== undefined)
    await swapSymlink(path.join(releasesDir(outDir), `${site}.previous`), previousName);
  await swapSymlink(siteLink, target);
  const prevLink = await readLinkOrUndefined(path.join(releasesDir(outDir), `${site}.previous`));
  await pruneReleases(outDir, site, [name, ...(prevLink !== undefined ? [prevLink] : [])], keep);
  return {
    siteLink,
    release,
    previous: previousName !== undefined ? path.join(releasesDir(outDir), previousName) : undefined,
    contentHash,
  };
}
