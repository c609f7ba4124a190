/**
 * The release history `lvs-image build` keeps under `out/.releases/`: list it, check a release against its
 * SHA256SUMS, and roll `out/<site>` back (or forward) to another release with the same atomic symlink rename the
 * build uses. Reads the history from disk; `rollback` changes only the two symlinks (`out/<site>` and
 * `out/.releases/<site>.previous`), and only after the target passed its check.
 */
import { lstat, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, SpecError } from './lib/errors.js';
import {
  computeSha256Sums,
  readLinkOrUndefined,
  releaseId,
  releasesDir,
  swapSymlink,
} from './stages/publish.js';

/** One published release of a site. */
export interface ReleaseInfo {
  /** The 16 hex digits after `<site>-`: the start of sha256(SHA256SUMS). */
  id: string;
  /** The folder, `out/.releases/<site>-<id>`. */
  dir: string;
  /** When it was published (the folder's modification time), ISO 8601. */
  published: string;
  current: boolean;
  previous: boolean;
  /** Per director, from its manifest.json. */
  directors: {
    hostname: string;
    kernel: string;
    ipvsadm: string;
    keepalived: string | null;
    specSha256: string;
    lockSha256: string;
  }[];
}

/** The folder name of release `id` of `site`. */
function releaseName(site: string, id: string): string {
  return `${site}-${id}`;
}

async function linkTarget(p: string): Promise<string | undefined> {
  const target = await readLinkOrUndefined(p);
  return target === undefined ? undefined : path.basename(target);
}

interface ManifestView {
  hostname?: string;
  kernel?: { release?: string };
  ipvsadm?: { version?: string };
  keepalived?: { version?: string } | null;
  spec?: { sha256?: string };
  lock?: { sha256?: string } | null;
}

async function directorsOf(dir: string): Promise<ReleaseInfo['directors']> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: ReleaseInfo['directors'] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const text = await readFile(path.join(dir, e.name, 'manifest.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const m = JSON.parse(text) as ManifestView;
    out.push({
      hostname: m.hostname ?? e.name,
      kernel: m.kernel?.release ?? '?',
      ipvsadm: m.ipvsadm?.version ?? '?',
      keepalived: m.keepalived?.version ?? null,
      specSha256: m.spec?.sha256 ?? '?',
      lockSha256: m.lock === null ? 'none' : (m.lock?.sha256 ?? '?'),
    });
  }
  return out;
}

/** The releases of `site` under `outDir`, newest first. */
export async function listReleases(outDir: string, site: string): Promise<ReleaseInfo[]> {
  const dir = releasesDir(outDir);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const current = await linkTarget(path.join(outDir, site));
  const previous = await linkTarget(path.join(dir, `${site}.previous`));
  const releases: ReleaseInfo[] = [];
  for (const name of names) {
    const id = releaseId(site, name);
    if (id === undefined) continue;
    const full = path.join(dir, name);
    const st = await lstat(full);
    if (!st.isDirectory()) continue;
    releases.push({
      id,
      dir: full,
      published: st.mtime.toISOString(),
      current: name === current,
      previous: name === previous,
      directors: await directorsOf(full),
    });
  }
  return releases.sort((a, b) => (a.published < b.published ? 1 : a.published > b.published ? -1 : 0));
}

/**
 * What is wrong with the release in `dir` against its SHA256SUMS: files missing, added or changed. Empty when the
 * release is whole.
 */
export async function checkRelease(dir: string): Promise<string[]> {
  const recorded = await readFile(path.join(dir, 'SHA256SUMS'), 'utf8').catch(() => undefined);
  if (recorded === undefined) return ['SHA256SUMS is missing'];
  const parse = (text: string): Map<string, string> =>
    new Map(
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [hash = '', ...rest] = l.split('  ');
          return [rest.join('  '), hash] as const;
        }),
    );
  const want = parse(recorded);
  const have = parse(await computeSha256Sums(dir));
  const problems: string[] = [];
  for (const [file, hash] of want) {
    const got = have.get(file);
    if (got === undefined) problems.push(`${file}: missing`);
    else if (got !== hash)
      problems.push(`${file}: changed since the build (sha256 ${got}, recorded ${hash})`);
  }
  for (const file of have.keys()) if (!want.has(file)) problems.push(`${file}: not in SHA256SUMS`);
  return problems;
}

/** What `rollback` did. */
export interface RollbackResult {
  site: string;
  from: string | undefined;
  to: string;
}

/** The ids among `ids` that start with `prefix` (case-insensitive; an empty prefix matches none). Pure. */
export function matchReleaseIds(ids: readonly string[], prefix: string): string[] {
  const p = prefix.toLowerCase();
  return p === '' ? [] : ids.filter((id) => id.startsWith(p));
}

/**
 * Makes release `to` (an id or a unique prefix of one; default: the previous release) the current release of
 * `site`; the release it replaces becomes the previous one. Refuses, changing nothing, when there is no such
 * release or it fails its SHA256SUMS check.
 */
export async function rollback(outDir: string, site: string, to?: string): Promise<RollbackResult> {
  const releases = await listReleases(outDir, site);
  const current = releases.find((r) => r.current);
  let target: ReleaseInfo | undefined;
  if (to === undefined) {
    target = releases.find((r) => r.previous);
    if (target === undefined)
      throw new SpecError({
        message: `${site}: no previous release to roll back to under ${releasesDir(outDir)}`,
        hint: `\`lvs-image releases ${site}\` lists what is kept; pass --to ID for another one`,
      });
  } else {
    const ids = matchReleaseIds(
      releases.map((r) => r.id),
      to,
    );
    const matches = releases.filter((r) => ids.includes(r.id));
    const [only] = matches;
    if (matches.length !== 1 || only === undefined)
      throw new SpecError({
        message:
          matches.length === 0
            ? `--to ${to}: no release of ${site} has that id`
            : `--to ${to}: ${matches.length} releases of ${site} start with it; give more digits`,
        hint: `known: ${releases.map((r) => r.id).join(', ') || 'none'}; \`lvs-image releases ${site}\` lists them`,
      });
    target = only;
  }
  if (target.current)
    throw new SpecError({
      message: `${site}: ${target.id} is already the current release`,
      hint: 'nothing to do',
    });
  const problems = await checkRelease(target.dir);
  if (problems.length > 0)
    throw new BuildError(
      `${target.dir}: fails its SHA256SUMS check, so it is not published:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... ${problems.length - 10} more` : ''}`,
      { hint: 'rebuild that spec instead (its release is incomplete or was changed after the build)' },
    );
  // The order the build uses: .previous first, then the site link, so a crash between the two leaves the site
  // where it was.
  if (current !== undefined)
    await swapSymlink(path.join(releasesDir(outDir), `${site}.previous`), path.basename(current.dir));
  await swapSymlink(path.join(outDir, site), path.posix.join('.releases', releaseName(site, target.id)));
  return { site, from: current?.id, to: target.id };
}
