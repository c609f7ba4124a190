/**
 * What the lock file records about a kernel source without building it: the tarball's sha256, its version
 * (top Makefile) and its IPVS version (the IPVS header), read by streaming the tarball through tar-stream and
 * stopping as soon as both files are seen. Results are cached per tarball sha256.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheKey, withCache } from '../../lib/cache.js';
import { cacheDir, sha256File } from '../../lib/fs.js';
import { checksumError } from '../ipvsadm/fetch.js';
import { readPrebuiltKernelFacts } from './prebuilt-facts.js';
import { readTarMembers } from '../../lib/tar.js';
import type { KernelPin } from '../../spec/types.js';
import {
  KERNEL_IPVS_HEADERS,
  documentedKernelIpvsCode,
  parseIpvsVersionCode,
  parseKernelMakefileVersion,
} from '../ipvsadm/ipvs-version.js';

/** Facts about a kernel source; null fields are unknown, with the reason in `unknown`. */
export interface KernelSourceFacts {
  origin: string;
  /** The tarball (or folder) read, on this machine; not written to the lock. */
  location: string | null;
  sha256: string | null;
  release: string | null;
  ipvsVersionCode: number | null;
  /** The header the IPVS code was read from (relative to the tree), or the documentation it comes from. */
  ipvsVersionFrom: string | null;
  unknown: string[];
}

/** Where a kernel source lives on this machine: (origin for the lock, local path, pinned sha256). Pure. */
export function locateKernelSource(
  pin: KernelPin,
  baseDir = '.',
): { origin: string; location: string | null; sha256: string | null } | null {
  const src = pin.source;
  if (src === undefined) return null;
  if ('debian' in src)
    return { origin: `debian:${src.debian}`, location: `/usr/src/${src.debian}.tar.xz`, sha256: null };
  if ('url' in src) {
    const file = decodeURIComponent(new URL(src.url).pathname.split('/').pop() ?? '');
    return {
      origin: src.url,
      location: cacheDir('sources', src.sha256.toLowerCase(), file),
      sha256: src.sha256.toLowerCase(),
    };
  }
  return {
    origin: src.path,
    location: path.resolve(baseDir, src.path),
    sha256: src.sha256?.toLowerCase() ?? null,
  };
}

/** Picks the Makefile and IPVS header out of a tree's files (name → text). Pure. */
export function factsFromFiles(files: Map<string, string>): {
  release: string | null;
  code: number | null;
  header: string | null;
} {
  const strip = (n: string): string => n.replace(/^[^/]+\//, '');
  let release: string | null = null;
  let code: number | null = null;
  let header: string | null = null;
  for (const [name, text] of files)
    if (strip(name) === 'Makefile') release = parseKernelMakefileVersion(text);
  for (const rel of KERNEL_IPVS_HEADERS) {
    for (const [name, text] of files) {
      const c = strip(name) === rel ? parseIpvsVersionCode(text) : null;
      if (c !== null && code === null) [code, header] = [c, rel];
    }
  }
  return { release, code, header };
}

const fromHeader = (h: string | null): string | null => (h !== null ? `${h} in the kernel source` : null);

const WANTED = new Set(['Makefile', ...KERNEL_IPVS_HEADERS]);

async function scanTarball(file: string): Promise<Map<string, string>> {
  // NOTE: every IPVS header candidate is wanted; the scan stops once Makefile and one header with a code are in.
  const found = new Map<string, string>();
  const want = (n: string): boolean => n.split('/').length >= 2 && WANTED.has(n.replace(/^[^/]+\//, ''));
  const enough = (m: ReadonlyMap<string, Buffer>): boolean => {
    const f = factsFromFiles(new Map([...m].map(([n, b]) => [n, b.toString('utf8')])));
    return f.release !== null && f.code !== null;
  };
  const members = await readTarMembers(file, want, enough);
  for (const [n, b] of members) found.set(n, b.toString('utf8'));
  return found;
}

async function scanFolder(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const rel of WANTED) {
    const text = await readFile(path.join(dir, rel), 'utf8').catch(() => null);
    if (text !== null) found.set(`tree/${rel}`, text);
  }
  return found;
}

/** Reads a kernel source's sha256, release and IPVS version (see the module comment); unknowns are listed. */
export async function readKernelSourceFacts(pin: KernelPin, baseDir = '.'): Promise<KernelSourceFacts> {
  const where = locateKernelSource(pin, baseDir);
  if (where === null) {
    if (pin.prebuilt !== undefined) return readPrebuiltKernelFacts(pin.prebuilt, baseDir);
    const unknown = ['kernel: neither kernel.source nor kernel.prebuilt is set'];
    return {
      origin: 'none',
      location: null,
      sha256: null,
      release: null,
      ipvsVersionCode: null,
      ipvsVersionFrom: null,
      unknown,
    };
  }
  const base = {
    origin: where.origin,
    location: where.location,
    ipvsVersionFrom: null,
    release: null,
    ipvsVersionCode: null,
  };
  if (where.location === null || !existsSync(where.location)) {
    const doc = documentedKernelIpvsCode(pin.version);
    const why = `kernel: source ${where.location ?? where.origin} is not on this machine: release unknown, IPVS version ${doc ? 'documented, not read' : 'unknown'}`;
    return {
      ...base,
      sha256: where.sha256,
      ...(doc ? { ipvsVersionCode: doc.code, ipvsVersionFrom: `documented, not read (${doc.source})` } : {}),
      unknown: where.sha256 === null ? [why, 'kernel: no sha256 pinned'] : [why],
    };
  }
  if ((await stat(where.location)).isDirectory()) {
    const f = factsFromFiles(await scanFolder(where.location));
    return {
      ...base,
      sha256: null,
      release: f.release,
      ipvsVersionCode: f.code,
      ipvsVersionFrom: fromHeader(f.header),
      unknown: ['kernel: a source folder has no sha256'],
    };
  }
  const sha = await sha256File(where.location);
  if (where.sha256 !== null && where.sha256 !== sha) throw checksumError(where.location, where.sha256, sha);
  const entry = await withCache('kernel-facts', cacheKey(['kernel-facts', '1', sha]), async (tmp) => {
    const f = factsFromFiles(await scanTarball(where.location as string));
    await writeFile(path.join(tmp, 'facts.json'), JSON.stringify(f) + '\n');
  });
  const f = JSON.parse(await readFile(path.join(entry.dir, 'facts.json'), 'utf8')) as ReturnType<
    typeof factsFromFiles
  >;
  const unknown = [
    ...(f.release === null ? ["kernel: no version in the tarball's Makefile"] : []),
    ...(f.code === null ? ['kernel: no IP_VS_VERSION_CODE in the tarball'] : []),
  ];
  return {
    ...base,
    sha256: sha,
    release: f.release,
    ipvsVersionCode: f.code,
    ipvsVersionFrom: fromHeader(f.header),
    unknown,
  };
}
