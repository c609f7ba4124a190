/**
 * Fetching an ipvsadm source plan into the content-addressed source cache (`<cache>/sources/<sha256>/<file>`),
 * verifying its sha256 before anyone extracts it. No network is needed when the cache already holds the bytes.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { downloadFile } from '../../lib/download.js';
import { BuildError } from '../../lib/errors.js';
import { cacheDir, makeStagingDir, removeTree, sha256File } from '../../lib/fs.js';
import { sha256Tree } from '../../lib/tree-hash.js';
import {
  origTarballVersion,
  parseAptPrintUris,
  parseDscSha256,
  type FetchedSource,
  type SourcePlan,
} from './source.js';

/** The BuildError for a checksum mismatch: names the file and both hashes. */
export function checksumError(file: string, expected: string, actual: string, from?: string): BuildError {
  return new BuildError(
    `${file}: sha256 mismatch${from ? ` (downloaded from ${from})` : ''}\n  expected ${expected}\n  actual   ${actual}`,
    {
      hint: 'the file is corrupt or was tampered with; nothing was extracted. Delete it, or fix the pinned sha256 if you verified the new file',
    },
  );
}

async function cached(file: string, sha256: string): Promise<string | null> {
  const p = cacheDir('sources', sha256, file);
  if (!existsSync(p)) return null;
  return (await sha256File(p)) === sha256 ? p : null;
}

async function fetchUrl(plan: Extract<SourcePlan, { kind: 'url' }>, io: StageIo): Promise<FetchedSource> {
  const hit = await cached(plan.file, plan.sha256);
  if (hit)
    return {
      path: hit,
      isDirectory: false,
      sha256: plan.sha256,
      origin: plan.urls[0] ?? hit,
      url: plan.urls[0],
    };
  const dest = cacheDir('sources', plan.sha256, plan.file);
  const failures: string[] = [];
  for (const url of plan.urls) {
    const tmp = `${dest}.download-${process.pid}`;
    try {
      io.log(`downloading ${url}`);
      await downloadFile(url, tmp);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    const actual = await sha256File(tmp);
    if (actual !== plan.sha256) {
      await removeTree(tmp);
      const e = checksumError(plan.file, plan.sha256, actual, url);
      io.log(`WARNING: ${e.message}`);
      failures.push(e.message);
      continue;
    }
    await rename(tmp, dest);
    return { path: dest, isDirectory: false, sha256: plan.sha256, origin: url, url };
  }
  throw new BuildError(
    `${plan.file}: no mirror delivered the pinned file (sha256 ${plan.sha256}):\n  ${failures.join('\n  ')}`,
    {
      hint: 'check the network or the URLs, or download the file yourself and use ipvsadm.source: { path, sha256 }',
    },
  );
}

async function fetchPath(plan: Extract<SourcePlan, { kind: 'path' }>): Promise<FetchedSource> {
  const st = await stat(plan.path).catch(() => null);
  if (!st) throw new BuildError(`${plan.path}: no such file or folder (ipvsadm.source.path)`);
  if (st.isDirectory()) {
    return { path: plan.path, isDirectory: true, sha256: await sha256Tree(plan.path), origin: plan.path };
  }
  const actual = await sha256File(plan.path);
  if (plan.sha256 !== null && actual !== plan.sha256) throw checksumError(plan.path, plan.sha256, actual);
  return { path: plan.path, isDirectory: false, sha256: actual, origin: plan.path };
}

async function fetchDebian(
  plan: Extract<SourcePlan, { kind: 'debian' }>,
  io: StageIo,
  logFile?: string,
): Promise<FetchedSource> {
  const log = logFile !== undefined ? { logFile } : {};
  const uris = await io.run('apt-get', ['source', '--print-uris', plan.package], {
    timeoutMs: 120_000,
    ...log,
  });
  const orig = parseAptPrintUris(uris.stdout).find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.file));
  if (!orig?.sha256) {
    throw new BuildError(
      `apt-get source --print-uris ${plan.package}: no orig tarball with a SHA256 listed`,
      {
        hint: 'enable deb-src entries (.ci/deps.sh does) and run apt-get update',
      },
    );
  }
  const upstream = origTarballVersion(orig.file);
  if (upstream !== plan.version) {
    throw new BuildError(
      `Debian's source package ${plan.package} ships ipvsadm ${upstream ?? '?'} (${orig.file}), but the spec pins ${plan.version}`,
      {
        hint: `use ipvsadm.version ${upstream ?? ''} or another ipvsadm.source`,
      },
    );
  }
  if (plan.expectedSha256 !== null && plan.expectedSha256 !== orig.sha256) {
    throw checksumError(`${orig.file} (apt's Sources index)`, plan.expectedSha256, orig.sha256);
  }
  const hit = await cached(orig.file, orig.sha256);
  if (hit)
    return {
      path: hit,
      isDirectory: false,
      sha256: orig.sha256,
      origin: `debian:${plan.package}`,
      url: orig.url,
    };
  await mkdir(cacheDir('sources'), { recursive: true });
  const work = await makeStagingDir(cacheDir('sources'));
  try {
    // NOTE: apt downloads as the _apt user when it can write the folder; otherwise it warns and uses root.
    await chmod(work, 0o777);
    // NOTE: two runs (.dsc, then the tarballs) and no --diff: the debian.tar.xz is not needed (and some mirrors lack it).
    for (const only of ['--dsc-only', '--tar-only']) {
      await io.run('apt-get', ['source', '--download-only', only, plan.package], {
        cwd: work,
        timeoutMs: 300_000,
        ...log,
      });
    }
    const dscName = (await readdir(work)).find((f) => f.endsWith('.dsc'));
    const fromDsc = dscName
      ? parseDscSha256(await readFile(path.join(work, dscName), 'utf8')).get(orig.file)
      : undefined;
    if (fromDsc !== undefined && fromDsc !== orig.sha256)
      throw checksumError(`${orig.file} (${dscName ?? '.dsc'})`, orig.sha256, fromDsc);
    const actual = await sha256File(path.join(work, orig.file));
    if (actual !== orig.sha256) throw checksumError(orig.file, orig.sha256, actual, orig.url);
    const dest = cacheDir('sources', actual, orig.file);
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(path.join(work, orig.file), `${dest}.tmp-${process.pid}`);
    await rename(`${dest}.tmp-${process.pid}`, dest);
    return {
      path: dest,
      isDirectory: false,
      sha256: actual,
      origin: `debian:${plan.package}`,
      url: orig.url,
    };
  } finally {
    await removeTree(work);
  }
}

/** Fetches and verifies the planned source; a checksum mismatch is a BuildError naming the file and both hashes. */
export async function fetchIpvsadmSource(
  plan: SourcePlan,
  io: StageIo,
  logFile?: string,
): Promise<FetchedSource> {
  if (plan.kind === 'url') return fetchUrl(plan, io);
  if (plan.kind === 'path') return fetchPath(plan);
  return fetchDebian(plan, io, logFile);
}
