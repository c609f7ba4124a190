/**
 * What a source is and where its bytes come from, as data: the request a build makes (`SourceRequest`), the
 * origin recorded beside stored bytes and in the lock (`SourceOrigin`), and their wording for people. Pure.
 */

/** Where a source's bytes came from, recorded in the store and in the lock file. */
export type SourceOrigin =
  /** A file inside a Debian binary package (the kernel tarball of `linux-source-6.1`). */
  | { kind: 'debian-binary'; package: string; version: string; member: string }
  /** A whole Debian binary package, the .deb itself (firmware-bnx2, intel-microcode: src/stages/firmware/). */
  | { kind: 'debian-deb'; package: string; version: string }
  /** The orig tarball of a Debian source package; `dsc` is its `Checksums-Sha256` line in the .dsc. */
  | { kind: 'debian-source'; package: string; version: string; dsc: string }
  | { kind: 'url'; url: string }
  | { kind: 'path'; path: string }
  /** Brought in by `lvs-image sources import` from a bundle or a loose file. */
  | { kind: 'import'; from: string };

/** Where a build may get a source when the store lacks it (from the spec and the catalog). */
export type SourceFrom =
  | { kind: 'debian-binary'; package: string; member: string }
  | { kind: 'debian-deb'; package: string }
  | { kind: 'debian-source'; package: string; upstreamVersion: string }
  | { kind: 'url'; file: string; urls: string[] }
  | { kind: 'path'; path: string };

/** One source a build needs. */
export interface SourceRequest {
  /** What it is for, in messages and the lock: `kernel`, `ipvsadm`, ... */
  name: string;
  from: SourceFrom;
  /** The bytes wanted (lock, spec or catalog pin); null: whatever `from` serves now. */
  sha256: string | null;
  /** A frozen build's locked origin: the Debian version to ask for when the store lacks the bytes. */
  locked?: SourceOrigin;
  /** The spec pointer of the source, for errors. */
  pointer: string;
  /** A local folder is hashed as a tree (small trees); false: named by its path (a kernel tree: too big). */
  hashFolder?: false;
}

/** A source on this machine: a stored tarball, or a local folder (folders are not stored). */
export interface ProvidedSource {
  name: string;
  /** The tarball (in the store) or folder. */
  path: string;
  isDirectory: boolean;
  /** sha256 of the tarball; of the tree (lib/tree-hash.ts) for a folder. */
  sha256: string;
  size: number;
  file: string;
  origin: SourceOrigin;
  /** How the build got it: `store` (already there) or the origin it was fetched from now. */
  via: 'store' | 'fetched' | 'local';
}

/** `linux-source-6.1 6.1.192-3`, a URL or a path: the origin in a user's words. */
export function describeOrigin(o: SourceOrigin): string {
  switch (o.kind) {
    case 'debian-binary':
    case 'debian-deb':
    case 'debian-source':
      return `${o.package} ${o.version}`;
    case 'url':
      return o.url;
    case 'path':
      return o.path;
    case 'import':
      return `imported from ${o.from}`;
  }
}

/** `4d415b3d…` : the start of a hash, enough to tell two apart in a message. */
export function shortSha(sha: string | null): string {
  return sha === null ? 'sha256 unknown' : `${sha.slice(0, 8)}…`;
}

/** True when two origins name the same place (ignoring when they were recorded). */
export function sameOrigin(a: SourceOrigin, b: SourceOrigin): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
