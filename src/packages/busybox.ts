/** The busybox release catalog (src/packages/busybox.json): busybox built from source for extra applets. */
import catalog from './busybox.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';

/** How to build a release: the Kconfig options set on top of allnoconfig, make arguments, the binary to keep. */
export interface BusyboxRecipe {
  /** CONFIG_ names (without the prefix) set to y: the applets and their features. */
  config: string[];
  /** CONFIG_ names unset (choices allnoconfig still makes, such as ash as sh). */
  off: string[];
  /** CONFIG_ names set to y for a static link. */
  staticConfig: string[];
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One busybox release. */
export interface BusyboxRelease extends ProgramRelease {
  date: string;
  recipe: BusyboxRecipe;
  /** The applets the built binary must have (and is installed as). */
  applets: string[];
  kernelOptions: KernelNeed[];
}

/** The catalog as shipped. */
export const BUSYBOX_CATALOG: ProgramCatalog<BusyboxRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findBusyboxRelease(version: string, pointer = '/busybox/version'): BusyboxRelease {
  return findRelease(BUSYBOX_CATALOG, version, pointer);
}
