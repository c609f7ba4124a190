/**
 * Where a source comes from when the store lacks it, one provider per kind of `SourceFrom` (a table, as
 * Buildroot's download methods): each returns a local file with its origin, or null after noting in `tried`
 * what it asked and why that failed. Providers that fetch over the network say so and step aside offline.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { downloadFile } from '../../lib/download.js';
import { BuildError } from '../../lib/errors.js';
import { sha256File } from '../../lib/fs.js';
import {
  aptReason,
  downloadBinaryMember,
  downloadDeb,
  showDeb,
  downloadSourceOrig,
  installedPackage,
  listSourcePackage,
} from './debian.js';
import { shortSha, type SourceFrom, type SourceOrigin, type SourceRequest } from './origin.js';

/** A file a provider found or fetched, not yet stored. */
export interface Candidate {
  file: string;
  /** Name to store it under. */
  name: string;
  origin: SourceOrigin;
  /** sha256 when the provider already hashed it. */
  sha256?: string;
  isDirectory?: boolean;
}

/** What providers may use. */
export interface ProviderContext {
  io: StageIo;
  /** Fetch nothing over the network (apt downloads, URLs); local files are still read. */
  offline: boolean;
  /** A fresh scratch folder, removed by the caller. */
  scratch: () => Promise<string>;
  /** sha256 of a local file, remembered while the file is unchanged. */
  hashFile: (file: string) => Promise<string>;
  /** The store's entry for a sha256, if it has one (so a listed source need not be downloaded again). */
  stored: (sha256: string) => Promise<{ path: string; file: string } | null>;
}

type Provider<K extends SourceFrom['kind']> = (
  req: SourceRequest & { from: Extract<SourceFrom, { kind: K }> },
  ctx: ProviderContext,
  tried: string[],
) => Promise<Candidate | null>;

const OFFLINE = 'not tried: offline (no downloads)';

const debianBinary: Provider<'debian-binary'> = async (req, ctx, tried) => {
  const { package: pkg, member } = req.from;
  const lockedVersion = req.locked?.kind === 'debian-binary' ? req.locked.version : null;
  const installed = await installedPackage(pkg, ctx.io);
  // NOTE: dpkg lists the member as installed (`/usr/src/x.tar.xz`); endsWith also accepts a package unpacked
  // under another root (the tests' fake dpkg).
  const file = installed?.files.find((f) => f.endsWith(member));
  if (installed === null) tried.push(`${pkg} is not installed`);
  else if (file === undefined) tried.push(`installed ${pkg} ${installed.version} has no ${member}`);
  else {
    const sha = await ctx.hashFile(file);
    const origin: SourceOrigin = { kind: 'debian-binary', package: pkg, version: installed.version, member };
    if (req.sha256 === null || sha === req.sha256)
      return { file, name: path.basename(member), origin, sha256: sha };
    tried.push(`installed ${pkg} ${installed.version} has other bytes (${shortSha(sha)})`);
  }
  const ask = `apt-get download ${pkg}${lockedVersion !== null ? `=${lockedVersion}` : ''}`;
  if (ctx.offline) {
    tried.push(`${ask}: ${OFFLINE}`);
    return null;
  }
  try {
    const got = await downloadBinaryMember(pkg, lockedVersion, member, await ctx.scratch(), ctx.io);
    if (!existsSync(got.file)) {
      tried.push(`${ask}: ${pkg} ${got.version} has no ${member}`);
      return null;
    }
    return {
      file: got.file,
      name: path.basename(member),
      origin: { kind: 'debian-binary', package: pkg, version: got.version, member },
    };
  } catch (err) {
    tried.push(`${ask}: ${aptReason(err)}`);
    return null;
  }
};

// A whole .deb (firmware, microcode): apt's index names its SHA256, so a stored copy needs no download.
const debianDeb: Provider<'debian-deb'> = async (req, ctx, tried) => {
  const pkg = req.from.package;
  const lockedVersion = req.locked?.kind === 'debian-deb' ? req.locked.version : null;
  const ask = lockedVersion !== null ? `${pkg}=${lockedVersion}` : pkg;
  const listed = await showDeb(pkg, lockedVersion, ctx.io).catch((err: unknown) => {
    tried.push(`apt-cache show ${ask}: ${aptReason(err)}`);
    return null;
  });
  if (listed !== null && req.sha256 !== null && listed.sha256 !== req.sha256) {
    // The bytes apt would fetch are not the pinned ones: downloading them cannot help.
    tried.push(
      `apt-cache show ${ask}: apt lists ${pkg} ${listed.version} as ${listed.file} with sha256 ${listed.sha256}, not ${req.sha256}`,
    );
    return null;
  }
  if (listed !== null) {
    const origin: SourceOrigin = { kind: 'debian-deb', package: pkg, version: listed.version };
    const have = await ctx.stored(listed.sha256);
    if (have !== null) return { file: have.path, name: have.file, origin, sha256: listed.sha256 };
  }
  if (ctx.offline) {
    tried.push(`apt-get download ${ask}: ${OFFLINE}`);
    return null;
  }
  try {
    const got = await downloadDeb(pkg, lockedVersion ?? listed?.version ?? null, await ctx.scratch(), ctx.io);
    const origin: SourceOrigin = { kind: 'debian-deb', package: pkg, version: got.version };
    return { file: got.file, name: path.basename(got.file), origin };
  } catch (err) {
    tried.push(`apt-get download ${ask}: ${aptReason(err)}`);
    return null;
  }
};

const debianSource: Provider<'debian-source'> = async (req, ctx, tried) => {
  const pkg = req.from.package;
  const lockedVersion = req.locked?.kind === 'debian-source' ? req.locked.version : null;
  if (ctx.offline) {
    tried.push(`apt-get source ${pkg}: ${OFFLINE}`);
    return null;
  }
  try {
    // The orig tarball often survives a Debian revision unchanged: take today's when it has the pinned bytes.
    let listed = await listSourcePackage(pkg, null, ctx.io);
    if (req.sha256 !== null && listed.orig.sha256 !== req.sha256) {
      tried.push(
        `apt-get source ${pkg}: Debian now ships ${listed.version} (${listed.orig.file}, ${shortSha(listed.orig.sha256)})`,
      );
      if (lockedVersion === null || lockedVersion === listed.version) return null;
      listed = await listSourcePackage(pkg, lockedVersion, ctx.io);
      if (listed.orig.sha256 !== req.sha256) {
        tried.push(`apt-get source ${pkg}=${lockedVersion}: other bytes (${shortSha(listed.orig.sha256)})`);
        return null;
      }
    }
    const upstream = /_([^_]+)\.orig\.tar\.[a-z0-9]+$/.exec(listed.orig.file)?.[1];
    if (upstream !== req.from.upstreamVersion) {
      tried.push(
        `apt-get source ${pkg}: Debian ships ${req.name} ${upstream ?? '?'} (${listed.orig.file}), not ${req.from.upstreamVersion}`,
      );
      return null;
    }
    const dsc = `${listed.orig.sha256} ${listed.orig.size} ${listed.orig.file}`;
    const origin: SourceOrigin = { kind: 'debian-source', package: pkg, version: listed.version, dsc };
    const have = await ctx.stored(listed.orig.sha256);
    if (have !== null) return { file: have.path, name: have.file, origin, sha256: listed.orig.sha256 };
    const got = await downloadSourceOrig(pkg, listed, await ctx.scratch(), ctx.io);
    return { file: got.file, name: listed.orig.file, origin };
  } catch (err) {
    tried.push(
      `apt-get source ${pkg}${lockedVersion !== null ? `=${lockedVersion}` : ''}: ${aptReason(err)}`,
    );
    return null;
  }
};

const url: Provider<'url'> = async (req, ctx, tried) => {
  for (const u of req.from.urls) {
    if (ctx.offline) {
      tried.push(`${u}: ${OFFLINE}`);
      continue;
    }
    const dest = path.join(await ctx.scratch(), req.from.file);
    try {
      ctx.io.log(`downloading ${u}`);
      await downloadFile(u, dest);
    } catch (err) {
      tried.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    const sha = await sha256File(dest);
    if (req.sha256 !== null && sha !== req.sha256) {
      tried.push(`${u}: sha256 mismatch: expected ${req.sha256}, got ${sha}`);
      ctx.io.log(`WARNING: ${u}: sha256 mismatch (expected ${req.sha256}, got ${sha})`);
      continue;
    }
    return { file: dest, name: req.from.file, origin: { kind: 'url', url: u }, sha256: sha };
  }
  return null;
};

const local: Provider<'path'> = async (req, ctx, tried) => {
  const st = await stat(req.from.path).catch(() => null);
  if (st === null) {
    tried.push(`${req.from.path}: no such file or folder`);
    return null;
  }
  const origin: SourceOrigin = { kind: 'path', path: req.from.path };
  if (st.isDirectory())
    return { file: req.from.path, name: path.basename(req.from.path), origin, isDirectory: true };
  const sha = await ctx.hashFile(req.from.path);
  // A local file with other bytes is not a missing source: it is refused outright, before anything reads it.
  if (req.sha256 !== null && sha !== req.sha256)
    throw new BuildError(`${req.from.path}: sha256 mismatch: expected ${req.sha256}, actual ${sha}`, {
      hint: `the file is corrupt or was changed (${req.pointer}); replace it, or pin the new sha256 if you verified it`,
    });
  return { file: req.from.path, name: path.basename(req.from.path), origin, sha256: sha };
};

/** The providers, by the kind of place a spec names. */
export const PROVIDERS: { [K in SourceFrom['kind']]: Provider<K> } = {
  'debian-binary': debianBinary,
  'debian-deb': debianDeb,
  'debian-source': debianSource,
  url,
  path: local,
};

/** Runs the provider for `req.from`. */
export function runProvider(
  req: SourceRequest,
  ctx: ProviderContext,
  tried: string[],
): Promise<Candidate | null> {
  // NOTE: TypeScript cannot correlate the table's key with its entry's parameter; the table's type does.
  const provider = PROVIDERS[req.from.kind] as (
    r: SourceRequest,
    c: ProviderContext,
    t: string[],
  ) => Promise<Candidate | null>;
  return provider(req, ctx, tried);
}
