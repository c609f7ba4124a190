/**
 * Moving the store's contents between machines and keeping it tidy: `exportSources` writes every source the
 * given locks name into a folder with a manifest (`sources.json`), `importSources` checks each file against its
 * sha256 and the manifest before storing anything, `planGc` lists what no given lock names.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, SpecError, type Problem } from '../../lib/errors.js';
import { makeStagingDir, sha256File, writeFileAtomic } from '../../lib/fs.js';
import { LOCKED_PROGRAMS, type Lock, type LockedSource } from '../lock/lock-file.js';
import { describeOrigin, shortSha, type SourceOrigin } from './origin.js';
import { listStored, lookupStored, putStored, removeStored, type StoredEntry } from './store.js';

/** The manifest of an exported folder. */
export interface BundleManifest {
  format: 1;
  sources: BundleEntry[];
}

/** One exported source: its bytes at `<sha256>/<file>` in the folder. */
export interface BundleEntry {
  sha256: string;
  file: string;
  size: number;
  origin: SourceOrigin;
  /** Lock files that name it. */
  usedBy: string[];
}

export const MANIFEST = 'sources.json';

/** The sources a lock pins by sha256, with the part of the lock each comes from (prebuilt kernels are not sources). */
export function lockedSources(lock: Lock): { name: string; source: LockedSource & { sha256: string } }[] {
  const out: { name: string; source: LockedSource & { sha256: string } }[] = [];
  const add = (name: string, s: LockedSource | null): void => {
    if (s?.sha256 != null) out.push({ name, source: { ...s, sha256: s.sha256 } });
  };
  if (!lock.kernel.prebuilt) add('kernel', lock.kernel.source);
  add('ipvsadm', lock.ipvsadm.source);
  for (const name of LOCKED_PROGRAMS) add(name, lock[name]?.source ?? null);
  for (const [name, f] of Object.entries(lock.firmware ?? {})) add(name, f.source);
  return out;
}

/** sha256 → lock files naming it, over the given locks. */
export function usersOf(locks: readonly { file: string; lock: Lock }[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const { file, lock } of locks)
    for (const { source } of lockedSources(lock))
      users.set(source.sha256, [...(users.get(source.sha256) ?? []), file]);
  return users;
}

/**
 * Copies every source the locks name from the store into `dir` (`<sha256>/<file>` plus `sources.json`), through
 * a staging folder renamed into place: all or nothing. A source missing from the store is an error naming it.
 */
export async function exportSources(
  store: string,
  locks: readonly { file: string; lock: Lock }[],
  dir: string,
): Promise<BundleManifest> {
  // Never write over anything: the folder must not exist, or be empty.
  const st = await stat(dir).catch(() => null);
  if (st !== null && (!st.isDirectory() || (await readdir(dir)).length > 0))
    throw new SpecError({
      message: `${dir} exists and is not an empty folder`,
      hint: 'export into a new folder',
    });
  const wanted = new Map<string, { source: LockedSource & { sha256: string }; name: string }>();
  for (const { lock } of locks) for (const s of lockedSources(lock)) wanted.set(s.source.sha256, s);
  const users = usersOf(locks);
  const missing: string[] = [];
  const found: [StoredEntry, LockedSource & { sha256: string }][] = [];
  for (const [sha, { source, name }] of wanted) {
    const entry = await lookupStored(store, sha);
    if (entry === null)
      missing.push(`${name}: ${describeOrigin(source.origin)} (sha256 ${sha}) is not in ${store}`);
    else found.push([entry, source]);
  }
  if (missing.length > 0)
    throw new BuildError(`cannot export ${missing.length} source(s):\n  ${missing.join('\n  ')}`, {
      hint: 'fill the store first: `lvs-image sources fetch SPEC` (or build it) where the sources can be had',
    });
  const parent = path.dirname(path.resolve(dir));
  const staging = await makeStagingDir(parent);
  try {
    const manifest: BundleManifest = { format: 1, sources: [] };
    for (const [entry, source] of found) {
      await mkdir(path.join(staging, entry.sha256));
      await copyFile(entry.path, path.join(staging, entry.sha256, entry.file));
      manifest.sources.push({
        sha256: entry.sha256,
        file: entry.file,
        size: entry.size,
        origin: source.origin,
        usedBy: users.get(entry.sha256) ?? [],
      });
    }
    manifest.sources.sort((a, b) => a.file.localeCompare(b.file));
    await writeFileAtomic(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    if (st !== null) await rmdir(dir);
    await rename(staging, dir);
    return manifest;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

function parseManifest(text: string, file: string): BundleManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SpecError({ file, message: `not valid JSON: ${(err as Error).message}` });
  }
  const m = data as Partial<BundleManifest> | null;
  if (m?.format !== 1 || !Array.isArray(m.sources))
    throw new SpecError({ file, message: 'not an lvs-image sources manifest of format 1' });
  const bad = m.sources.filter((e) => !/^[0-9a-f]{64}$/.test(String(e.sha256)) || typeof e.file !== 'string');
  if (bad.length > 0)
    throw new SpecError({
      file,
      message: `${bad.length} entr${bad.length === 1 ? 'y has' : 'ies have'} no valid sha256 or file name`,
    });
  return m as BundleManifest;
}

/** A file to import with what it must hash to, and the origin to record. */
interface Incoming {
  file: string;
  name: string;
  sha256: string;
  origin: SourceOrigin;
}

/**
 * Imports folders made by exportSources and loose files (each loose file must be one `known` names: a sha256
 * some given lock pins). Every file is hashed and checked first; any mismatch refuses the whole import and
 * stores nothing.
 */
export async function importSources(
  store: string,
  paths: readonly string[],
  known: ReadonlyMap<string, LockedSource>,
): Promise<StoredEntry[]> {
  const incoming: Incoming[] = [];
  const problems: Problem[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st === null) {
      problems.push({ file: p, message: 'no such file or folder' });
      continue;
    }
    if (st.isDirectory()) {
      const manifestFile = path.join(p, MANIFEST);
      if (!existsSync(manifestFile)) {
        problems.push({
          file: p,
          message: `a folder without ${MANIFEST}`,
          hint: 'import a folder made by `lvs-image sources export`',
        });
        continue;
      }
      const manifest = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile);
      for (const e of manifest.sources) {
        const file = path.join(p, e.sha256, path.basename(e.file));
        if (!existsSync(file))
          problems.push({
            file: manifestFile,
            message: `${e.file} (${shortSha(e.sha256)}) is listed but ${file} is missing`,
          });
        else incoming.push({ file, name: path.basename(e.file), sha256: e.sha256, origin: e.origin });
      }
      continue;
    }
    const sha = await sha256File(p);
    const locked = known.get(sha);
    if (locked === undefined) {
      problems.push({
        file: p,
        message: `no given lock pins this file (sha256 ${sha})`,
        hint: 'name the spec whose lock pins it with --for SPEC, or import a folder made by `lvs-image sources export`',
      });
      continue;
    }
    incoming.push({ file: p, name: locked.file, sha256: sha, origin: locked.origin });
  }
  for (const i of incoming) {
    const actual = await sha256File(i.file);
    if (actual !== i.sha256)
      problems.push({
        file: i.file,
        message: `sha256 mismatch: the manifest says ${i.sha256}, the file is ${actual}`,
        hint: 'the copy is corrupt or was changed; nothing was imported',
      });
  }
  if (problems.length > 0) throw new SpecError(problems);
  const stored: StoredEntry[] = [];
  for (const i of incoming) stored.push(await putStored(store, i.file, i.name, i.origin, i.sha256));
  return stored;
}

/** What `gc` would remove: entries no given lock names, with their sizes. */
export async function planGc(store: string, keep: ReadonlySet<string>): Promise<StoredEntry[]> {
  return (await listStored(store)).filter((e) => !keep.has(e.sha256));
}

/** Leftovers of interrupted writes older than this are removed by gc (a running build's are fresh). */
const STALE_INCOMING_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the given entries, the entries moved aside as corrupt (`.quarantine`) and leftovers of interrupted
 * writes in `.incoming` older than a day.
 */
export async function applyGc(
  store: string,
  entries: readonly StoredEntry[],
  now = Date.now(),
): Promise<void> {
  for (const e of entries) await removeStored(store, e.sha256);
  await rm(path.join(store, '.quarantine'), { recursive: true, force: true });
  const incoming = path.join(store, '.incoming');
  for (const name of await readdir(incoming).catch(() => [] as string[])) {
    const st = await stat(path.join(incoming, name)).catch(() => null);
    if (st !== null && now - st.mtimeMs > STALE_INCOMING_MS)
      await rm(path.join(incoming, name), { recursive: true, force: true });
  }
}
