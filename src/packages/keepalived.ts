/** The keepalived release catalog (src/packages/keepalived.json) with its types and look-ups. */
import catalog from './keepalived.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';

export type { KernelNeed } from './program.js';

/** How to build a release: configure arguments, the static link flag, make arguments, the binaries to keep. */
export interface KeepalivedRecipe {
  configure: string[];
  /** LDFLAGS for a static link. */
  staticLdflags: string;
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  /** Debian packages whose .a files the static link needs. */
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One keepalived release. */
export interface KeepalivedRelease extends ProgramRelease {
  date: string;
  recipe: KeepalivedRecipe;
  /** The `Config options` keepalived -v must list for what lvs-image renders. */
  features: string[];
  /** The `System options` keepalived -v must list (LIBIPVS_NETLINK: IPVS through netlink, not setsockopt). */
  systemOptions: string[];
  kernelOptions: KernelNeed[];
  /** How this release spells the virtual_server keywords lvs-image renders. */
  keywords: { scheduler: string; method: string };
}

/** The catalog as shipped. */
export const KEEPALIVED_CATALOG: ProgramCatalog<KeepalivedRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findKeepalivedRelease(version: string, pointer = '/keepalived/version'): KeepalivedRelease {
  return findRelease(KEEPALIVED_CATALOG, version, pointer);
}
