/**
 * What every program built from pinned source has in its catalog (src/packages/<name>.json): releases, each
 * with downloadable files (mirrors of the same bytes) and Debian's source package, and the look-ups on them.
 */
import { SpecError } from '../lib/errors.js';

/** One downloadable file of a release; `urls` are mirrors of the same bytes, tried in order. */
export interface ProgramSourceFile {
  file: string;
  urls: string[];
  /** Published sha256, or null when none was found (the spec must then pin one). */
  sha256: string | null;
  size: number | null;
  /** Where the checksum comes from, or why there is none. */
  checksumSource: string;
}

/** Debian's source package for a release, whose signed .dsc carries the orig tarball's sha256. */
export interface DebianSource {
  package: string;
  version: string;
  file: string;
  sha256: string;
}

/** A kernel option a program needs at run time, with the reason it is in the fragment. */
export interface KernelNeed {
  symbol: string;
  /** First kernel release with the option (a spec pinning an older kernel is refused, unless `olderAlwaysHave`). */
  since: string;
  /** True when kernels before `since` have the facility without an option (it became optional then). */
  olderAlwaysHave?: boolean;
  reason: string;
}

/** The part of a release every program has. */
export interface ProgramRelease {
  version: string;
  sources: ProgramSourceFile[];
  debian: DebianSource | null;
}

/** A program's catalog file. */
export interface ProgramCatalog<R extends ProgramRelease> {
  name: string;
  license: string;
  homepage: string;
  releases: R[];
}

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findRelease<R extends ProgramRelease>(
  catalog: ProgramCatalog<R>,
  version: string,
  pointer: string,
): R {
  const release = catalog.releases.find((r) => r.version === version);
  if (release) return release;
  throw new SpecError({
    pointer,
    message: `${catalog.name} ${version} is not in the catalog`,
    hint: `use one of ${catalog.releases.map((r) => r.version).join(', ')} (src/packages/${catalog.name}.json)`,
  });
}

/** The first catalog source file of a release that has a published sha256, or undefined. */
export function defaultSourceFile(release: ProgramRelease): ProgramSourceFile | undefined {
  return release.sources.find((s) => s.sha256 !== null);
}
