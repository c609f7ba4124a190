/**
 * What the lock file records about a kernel source without building it: the tarball's sha256, its version
 * (top Makefile) and its IPVS version (the IPVS header), read by streaming the tarball through tar-stream and
 * stopping as soon as both files are seen. Results are cached per tarball sha256.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheKey, withCache } from '../../lib/cache.js';
import { readTarMembers } from '../../lib/tar.js';
import type { ProvidedSource } from '../sources/origin.js';
import {
  KERNEL_IPVS_HEADERS,
  documentedKernelIpvsCode,
  parseIpvsVersionCode,
  parseKernelMakefileVersion,
} from '../ipvsadm/ipvs-version.js';

/** What the lock records about a kernel, read from its source; null fields are unknown, with the reason in `unknown`. */
export interface KernelFacts {
  release: string | null;
  ipvsVersionCode: number | null;
  /** The header the IPVS code was read from (relative to the tree), or the documentation it comes from. */
  ipvsVersionFrom: string | null;
  unknown: string[];
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

/** Facts about a kernel source the spec names but this machine cannot provide: the documented IPVS version only. */
export function missingKernelFacts(version: string, where: string): KernelFacts {
  const doc = documentedKernelIpvsCode(version);
  return {
    release: null,
    ipvsVersionCode: doc?.code ?? null,
    ipvsVersionFrom: doc ? `documented, not read (${doc.source})` : null,
    unknown: [
      `kernel: source ${where} is not on this machine: release unknown, IPVS version ${doc ? 'documented, not read' : 'unknown'}`,
    ],
  };
}

/** Reads a provided kernel source's release and IPVS version (see the module comment); unknowns are listed. */
export async function readKernelSourceFacts(source: ProvidedSource): Promise<KernelFacts> {
  if (source.isDirectory) {
    const f = factsFromFiles(await scanFolder(source.path));
    return {
      release: f.release,
      ipvsVersionCode: f.code,
      ipvsVersionFrom: fromHeader(f.header),
      unknown: ['kernel: a source folder has no sha256'],
    };
  }
  const entry = await withCache(
    'kernel-facts',
    cacheKey(['kernel-facts', '1', source.sha256]),
    async (tmp) => {
      const f = factsFromFiles(await scanTarball(source.path));
      await writeFile(path.join(tmp, 'facts.json'), JSON.stringify(f) + '\n');
    },
  );
  const f = JSON.parse(await readFile(path.join(entry.dir, 'facts.json'), 'utf8')) as ReturnType<
    typeof factsFromFiles
  >;
  return {
    release: f.release,
    ipvsVersionCode: f.code,
    ipvsVersionFrom: fromHeader(f.header),
    unknown: [
      ...(f.release === null ? ["kernel: no version in the tarball's Makefile"] : []),
      ...(f.code === null ? ['kernel: no IP_VS_VERSION_CODE in the tarball'] : []),
    ],
  };
}
