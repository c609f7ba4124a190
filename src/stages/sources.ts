/**
 * Stage: every source a build needs, through the content-addressed store (src/stages/sources/store.ts).
 * Each source goes: store by sha256 → the spec's place (Debian package, URL + mirrors, path) → one error
 * listing every place tried. What a provider fetches is stored before anyone extracts it, so the next build,
 * and a build months later after Debian moved on, gets the same bytes from the store.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../context.js';
import { cacheKey } from '../lib/cache.js';
import { BuildError } from '../lib/errors.js';
import { cacheDir, removeTree, sha256File } from '../lib/fs.js';
import { sha256Tree } from '../lib/tree-hash.js';
import { describeOrigin, shortSha, type ProvidedSource, type SourceRequest } from './sources/origin.js';
import { runProvider, type ProviderContext } from './sources/providers.js';
import { lookupStored, putStored, recordOrigin, sourceStoreDir, withoutTime } from './sources/store.js';

export { planSources } from './sources/plan.js';
import { planSpecSources, type SourceName } from './sources/plan.js';
import type { Spec } from '../spec/types.js';
export type { ProvidedSource, SourceOrigin, SourceRequest } from './sources/origin.js';
export { offlineFromEnv, sourceStoreDir } from './sources/store.js';

/** Options of provideSources. */
export interface ProvideSourcesOptions {
  /** The store folder; default sourceStoreDir(). */
  store?: string;
  /** Fetch nothing over the network. */
  offline?: boolean;
  /** For the hint when the pinned bytes are nowhere: the spec file the lock belongs to. */
  specFile?: string;
}

/** sha256 of a local file, remembered per (path, size, mtime, inode) in the cache: a 140 MB tarball is hashed once. */
async function hashFileMemo(file: string): Promise<string> {
  const st = await stat(file);
  // NOTE: ctime too: a package upgrade can leave size, mtime (from its tar) and even the inode number equal.
  const id = [path.resolve(file), st.size, st.mtimeMs, st.ctimeMs, st.ino].map(String);
  const memo = cacheDir('file-hashes', cacheKey(id));
  const known = await readFile(memo, 'utf8').catch(() => null);
  if (known !== null && /^[0-9a-f]{64}$/.test(known.trim())) return known.trim();
  const sha = await sha256File(file);
  await mkdir(path.dirname(memo), { recursive: true });
  await writeFile(memo, `${sha}\n`);
  return sha;
}

async function provideOne(
  req: SourceRequest,
  store: string,
  io: StageIo,
  offline: boolean,
): Promise<ProvidedSource | string[]> {
  const warn = (line: string): void => io.log(`WARNING: ${line}`);
  if (req.sha256 !== null) {
    const hit = await lookupStored(store, req.sha256, warn);
    if (hit !== null) {
      const first = hit.origins[0];
      const origin =
        req.locked ?? (first !== undefined ? withoutTime(first) : { kind: 'path' as const, path: hit.path });
      return {
        name: req.name,
        path: hit.path,
        isDirectory: false,
        sha256: hit.sha256,
        size: hit.size,
        file: hit.file,
        origin,
        via: 'store',
      };
    }
  }
  const tried = [
    `source store ${store}: ${req.sha256 !== null ? `no entry ${shortSha(req.sha256)}` : 'nothing pinned to look up'}`,
  ];
  const scratch: string[] = [];
  const ctx: ProviderContext = {
    io,
    offline,
    scratch: async () => {
      await mkdir(path.join(store, '.incoming'), { recursive: true });
      const dir = await mkdtemp(path.join(store, '.incoming', 'fetch-'));
      scratch.push(dir);
      return dir;
    },
    hashFile: hashFileMemo,
    stored: (sha) => lookupStored(store, sha, warn),
  };
  try {
    const found = await runProvider(req, ctx, tried);
    if (found === null) return tried;
    if (found.isDirectory === true) {
      const sha = req.hashFolder === false ? `tree:${found.file}` : await sha256Tree(found.file);
      return {
        name: req.name,
        path: found.file,
        isDirectory: true,
        sha256: sha,
        size: 0,
        file: found.name,
        origin: found.origin,
        via: 'local',
      };
    }
    const have = found.sha256 !== undefined ? await lookupStored(store, found.sha256, warn) : null;
    if (have !== null) {
      await recordOrigin(store, have.sha256, found.origin);
      return {
        name: req.name,
        path: have.path,
        isDirectory: false,
        sha256: have.sha256,
        size: have.size,
        file: have.file,
        origin: found.origin,
        via: 'store',
      };
    }
    const entry = await putStored(store, found.file, found.name, found.origin, req.sha256).catch(
      (err: unknown) => {
        tried.push(`${describeOrigin(found.origin)}: ${(err as Error).message.split('\n').join(' ')}`);
        return null;
      },
    );
    if (entry === null) return tried;
    io.log(`${req.name}: stored ${describeOrigin(found.origin)} as ${shortSha(entry.sha256)} in ${store}`);
    return {
      name: req.name,
      path: entry.path,
      isDirectory: false,
      sha256: entry.sha256,
      size: entry.size,
      file: entry.file,
      origin: found.origin,
      via: 'fetched',
    };
  } finally {
    for (const dir of scratch) await removeTree(dir);
  }
}

/** Sources that could be had nowhere (as opposed to bytes that are wrong, which are BuildErrors of their own). */
export class SourcesMissingError extends BuildError {
  override readonly name = 'SourcesMissingError';
}

function describeWanted(req: SourceRequest): string {
  const what = req.locked !== undefined ? `the locked source ${describeOrigin(req.locked)}` : `the source`;
  return `${req.name}: ${what} (${req.sha256 !== null ? `sha256 ${req.sha256}` : 'any version'}) is nowhere`;
}

/** One of the spec's sources (`kernel`, `ipvsadm`) through the store; undefined when the spec names none. */
export async function provideSpecSource(
  spec: Spec,
  name: SourceName,
  io: StageIo,
  specDir?: string,
): Promise<ProvidedSource | undefined> {
  return (await provideSources(planSpecSources(spec, specDir, [name]), io))[name];
}

/**
 * Provides every requested source (see the module comment), or throws one BuildError naming, per missing
 * source, every place tried and the two ways out.
 */
export async function provideSources(
  requests: readonly SourceRequest[],
  io: StageIo,
  opts: ProvideSourcesOptions = {},
): Promise<Record<string, ProvidedSource>> {
  const store = opts.store ?? sourceStoreDir();
  const out: Record<string, ProvidedSource> = {};
  const missing: string[] = [];
  for (const req of requests) {
    const got = await provideOne(req, store, io, opts.offline === true);
    if (Array.isArray(got))
      missing.push(`${describeWanted(req)}; tried:\n${got.map((t) => `    - ${t}`).join('\n')}`);
    else out[req.name] = got;
  }
  if (missing.length > 0) {
    const spec = opts.specFile ?? 'SPEC';
    throw new SourcesMissingError(`${missing.length} source(s) cannot be had:\n  ${missing.join('\n  ')}`, {
      hint:
        `move the pin to what the source serves now with \`lvs-image lock ${spec}\`, or bring the pinned bytes ` +
        `with \`lvs-image sources import DIR\` (a folder made by \`lvs-image sources export ${spec} DIR\` where they are stored)`,
    });
  }
  return out;
}
