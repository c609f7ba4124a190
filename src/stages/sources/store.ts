/**
 * The content-addressed source store (Buildroot's DL_DIR, Nix's store): `<store>/<sha256>/<file>` beside
 * `<store>/<sha256>/source.json` (file name, size, every origin the bytes came from). Bytes enter through a
 * temporary name in the entry's folder and a rename, so a reader (another build sharing the store) never sees
 * a partial file. An entry whose bytes no longer match its name is moved aside to `<store>/.quarantine/`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BuildError } from '../../lib/errors.js';
import { cacheDir, sha256File, writeFileAtomic } from '../../lib/fs.js';
import { sameOrigin, type SourceOrigin } from './origin.js';

/** The record beside stored bytes. */
export interface StoreRecord {
  sha256: string;
  file: string;
  size: number;
  /** Every place these bytes were had from, oldest first, with the time they were stored from it. */
  origins: (SourceOrigin & { storedAt: string })[];
}

/** A stored source: its bytes' path and record. */
export interface StoredEntry extends StoreRecord {
  path: string;
}

const RECORD = 'source.json';
/** size:mtime:inode of the bytes when last hashed; a change makes the next lookup hash them again. */
const VERIFIED = '.verified';
const SHA256 = /^[0-9a-f]{64}$/;

/** The store folder: `LVS_IMAGE_SOURCES` (set by `--sources DIR`), else `<cache>/sources`. */
export function sourceStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.LVS_IMAGE_SOURCES;
  return dir !== undefined && dir !== '' ? path.resolve(dir) : cacheDir('sources');
}

/** True when `LVS_IMAGE_OFFLINE=1`: no source may be fetched over the network (as with `--offline`). */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LVS_IMAGE_OFFLINE === '1';
}

async function identity(file: string): Promise<string> {
  const st = await stat(file);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

async function readRecord(dir: string): Promise<StoreRecord | null> {
  const text = await readFile(path.join(dir, RECORD), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as StoreRecord;
  } catch {
    return null;
  }
}

/** Moves a store entry aside (its bytes do not match its name); returns where it went. */
async function quarantine(store: string, sha: string): Promise<string> {
  const dest = path.join(store, '.quarantine', `${sha}.${Date.now()}.${process.pid}`);
  await mkdir(path.dirname(dest), { recursive: true });
  await rename(path.join(store, sha), dest);
  return dest;
}

/**
 * The stored entry for `sha`, or null. Its bytes are hashed again when they changed on disk since the last
 * check; an entry that fails is moved to `.quarantine/` (reported through `warn`) and counts as absent.
 */
export async function lookupStored(
  store: string,
  sha: string,
  warn: (line: string) => void = () => undefined,
): Promise<StoredEntry | null> {
  if (!SHA256.test(sha)) return null;
  const dir = path.join(store, sha);
  const record = await readRecord(dir);
  if (record === null) return null;
  const file = path.join(dir, record.file);
  if (!existsSync(file)) return null;
  const id = await identity(file);
  const verified = await readFile(path.join(dir, VERIFIED), 'utf8').catch(() => '');
  if (verified.trim() !== id) {
    const actual = await sha256File(file);
    if (actual !== sha) {
      const moved = await quarantine(store, sha);
      warn(
        `source store: ${file} no longer matches its name (sha256 ${actual}); moved aside to ${moved}, fetching it again`,
      );
      return null;
    }
    await writeFileAtomic(path.join(dir, VERIFIED), `${id}\n`);
  }
  return { ...record, path: file };
}

/** Copies `from` into a temporary file beside `dest`, hashing it on the way; returns the temp name and hash. */
async function copyHashed(
  from: string,
  destDir: string,
): Promise<{ tmp: string; sha: string; size: number }> {
  const tmp = path.join(destDir, `.incoming-${process.pid}-${randomBytes(4).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const input = createReadStream(from);
  input.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  });
  await pipeline(input, createWriteStream(tmp));
  return { tmp, sha: hash.digest('hex'), size };
}

/**
 * Stores the bytes of `from` under their sha256 as `file`, adding `origin` to the entry's record; refuses (and
 * stores nothing) when they do not hash to `expected`. Safe against concurrent writers of the same entry.
 */
export async function putStored(
  store: string,
  from: string,
  file: string,
  origin: SourceOrigin,
  expected: string | null,
): Promise<StoredEntry> {
  if (path.basename(file) !== file || file.startsWith('.') || file === RECORD)
    throw new BuildError(`source store: refusing the file name ${JSON.stringify(file)}`);
  const incoming = path.join(store, '.incoming');
  await mkdir(incoming, { recursive: true });
  const { tmp, sha, size } = await copyHashed(from, incoming);
  try {
    if (expected !== null && sha !== expected) {
      throw new BuildError(`${from}: sha256 mismatch\n  expected ${expected}\n  actual   ${sha}`, {
        hint: 'the file is not the pinned source; nothing was stored',
      });
    }
    const dir = path.join(store, sha);
    await mkdir(dir, { recursive: true });
    const before = await readRecord(dir);
    const origins = before?.origins ?? [];
    const record: StoreRecord = {
      sha256: sha,
      file: before !== null && existsSync(path.join(dir, before.file)) ? before.file : file,
      size,
      origins: origins.some((o) => sameOrigin(withoutTime(o), origin))
        ? origins
        : [...origins, { ...origin, storedAt: new Date().toISOString() }],
    };
    const dest = path.join(dir, record.file);
    // NOTE: the record goes first: an entry counts once its bytes are in place, and they arrive by rename.
    await writeFileAtomic(path.join(dir, RECORD), JSON.stringify(record, null, 2) + '\n');
    if (existsSync(dest)) await rm(tmp, { force: true });
    else await rename(tmp, dest);
    await writeFileAtomic(path.join(dir, VERIFIED), `${await identity(dest)}\n`);
    return { ...record, path: dest };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** An origin as recorded, without the time it was stored. */
export function withoutTime(o: SourceOrigin & { storedAt?: string }): SourceOrigin {
  const rest: SourceOrigin & { storedAt?: string } = { ...o };
  delete rest.storedAt;
  return rest;
}

/** Every entry of the store (records only; bytes are not hashed), sorted by file name. */
export async function listStored(store: string): Promise<StoredEntry[]> {
  const names = await readdir(store).catch(() => [] as string[]);
  const out: StoredEntry[] = [];
  for (const name of names.filter((n) => SHA256.test(n))) {
    const record = await readRecord(path.join(store, name));
    const file = record !== null ? path.join(store, name, record.file) : '';
    if (record !== null && existsSync(file)) out.push({ ...record, path: file });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.sha256.localeCompare(b.sha256));
}

/** Removes one entry from the store. */
export async function removeStored(store: string, sha: string): Promise<void> {
  if (SHA256.test(sha)) await rm(path.join(store, sha), { recursive: true, force: true });
}

/** Adds `origin` to a stored entry's record (no-op when it is there already). */
export async function recordOrigin(store: string, sha: string, origin: SourceOrigin): Promise<void> {
  const dir = path.join(store, sha);
  const record = await readRecord(dir);
  if (record === null || record.origins.some((o) => sameOrigin(withoutTime(o), origin))) return;
  record.origins.push({ ...origin, storedAt: new Date().toISOString() });
  await writeFileAtomic(path.join(dir, RECORD), JSON.stringify(record, null, 2) + '\n');
}
