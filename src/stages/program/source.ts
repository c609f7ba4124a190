/**
 * Where a program's source comes from: the spec's `<program>.source` (url / path / debian) or the catalog
 * default, as a plan (pure; src/stages/sources.ts gets it through the store), and the Debian listings' parsers.
 */
import path from 'node:path';
import type { SourceRef } from '../../spec/types.js';
import { SpecError } from '../../lib/errors.js';
import { defaultSourceFile, type ProgramRelease } from '../../packages/program.js';

/** A source to fetch, decided from the spec and the catalog. JSON-serializable. */
export type SourcePlan =
  | { kind: 'url'; file: string; urls: string[]; sha256: string }
  | { kind: 'path'; path: string; sha256: string | null }
  | { kind: 'debian'; package: string; version: string; expectedSha256: string | null };

/** A fetched, verified source: a tarball (or a folder) on this machine. */
export interface FetchedSource {
  /** Tarball or folder. */
  path: string;
  isDirectory: boolean;
  /** sha256 of the tarball, or of the folder tree (lib/tree-hash.ts) for a folder. */
  sha256: string;
  /** For the lock file: a URL, a path, or `debian:<package>`. */
  origin: string;
  /** The URL the bytes came from, when downloaded (also for Debian). */
  url?: string;
}

/** A program's pin in the spec: its version and, optionally, where its source comes from. */
export interface ProgramPin {
  version: string;
  source?: SourceRef;
}

/**
 * Turns the spec's source for program `name` (or the catalog default: a published URL, else Debian's source
 * package) into a fetch plan; SpecError when no checksum pins it.
 */
export function planProgramSource(
  name: string,
  pin: ProgramPin,
  release: ProgramRelease,
  baseDir = '.',
): SourcePlan {
  const ref: SourceRef | undefined = pin.source;
  if (ref === undefined) {
    const def = defaultSourceFile(release);
    if (def?.sha256) return { kind: 'url', file: def.file, urls: def.urls, sha256: def.sha256 };
    if (release.debian !== null)
      return {
        kind: 'debian',
        package: release.debian.package,
        version: release.version,
        expectedSha256: release.debian.sha256,
      };
    throw new SpecError({
      pointer: `/${name}/source`,
      message: `the catalog has no published sha256 for ${name} ${release.version}`,
      hint: `set ${name}.source to { url, sha256 } or { path, sha256 } with a checksum you verified`,
    });
  }
  if ('debian' in ref) {
    return {
      kind: 'debian',
      package: ref.debian,
      version: release.version,
      expectedSha256: release.debian?.package === ref.debian ? release.debian.sha256 : null,
    };
  }
  if ('url' in ref) {
    const urls = [ref.url, ...(ref.mirrors ?? [])];
    const file =
      decodeURIComponent(new URL(ref.url).pathname.split('/').pop() ?? '') ||
      `${name}-${release.version}.tar`;
    return { kind: 'url', file, urls, sha256: ref.sha256.toLowerCase() };
  }
  return { kind: 'path', path: path.resolve(baseDir, ref.path), sha256: ref.sha256?.toLowerCase() ?? null };
}

/** One file `apt-get source --print-uris` lists: from apt's signed Sources index. */
export interface AptSourceFile {
  url: string;
  file: string;
  size: number;
  sha256: string | null;
}

/** Parses `apt-get source --print-uris` output (`'url' file size SHA256:hex` lines). Pure. */
export function parseAptPrintUris(text: string): AptSourceFile[] {
  const out: AptSourceFile[] = [];
  for (const line of text.split('\n')) {
    const m = /^'([^']+)' (\S+) (\d+) (\S+)/.exec(line.trim());
    if (!m?.[1] || !m[2] || !m[3] || !m[4]) continue;
    const hash = /^SHA256:([0-9a-f]{64})$/i.exec(m[4]);
    out.push({ url: m[1], file: m[2], size: Number(m[3]), sha256: hash?.[1]?.toLowerCase() ?? null });
  }
  return out;
}

/** Parses the `Checksums-Sha256:` field of a Debian .dsc into file → sha256. Pure. */
export function parseDscSha256(dsc: string): Map<string, string> {
  const out = new Map<string, string>();
  const m = /^Checksums-Sha256:[ \t]*\n((?:[ \t]+\S.*\n?)+)/m.exec(dsc);
  for (const line of m?.[1]?.split('\n') ?? []) {
    const f = /^\s+([0-9a-f]{64})\s+\d+\s+(\S+)/i.exec(line);
    if (f?.[1] && f[2]) out.set(f[2], f[1].toLowerCase());
  }
  return out;
}

/** The upstream version of a Debian orig tarball name, e.g. `ipvsadm_1.31.orig.tar.gz` → `1.31`. */
export function origTarballVersion(file: string): string | null {
  return /_([^_]+)\.orig\.tar\.[a-z0-9]+$/.exec(file)?.[1] ?? null;
}
