/** The dropbear release catalog (src/packages/dropbear.json) with its types and look-ups. */
import catalog from './dropbear.json' with { type: 'json' };
import { findRelease, type KernelNeed, type ProgramCatalog, type ProgramRelease } from './program.js';

/** How to build a release: configure arguments, localoptions.h lines, make arguments, the binaries to keep. */
export interface DropbearRecipe {
  configure: string[];
  /** configure arguments of a static link. */
  staticConfigure: string[];
  /** Lines of localoptions.h (compile-time switches over default_options.h). */
  localOptions: string[];
  makeArgs: string[];
  binaries: { dest: string; from: string }[];
  /** Debian packages whose .a files the static link needs. */
  staticLibraryPackages: string[];
  /** True when this recipe was run on the project's build host. */
  verified: boolean;
}

/** One dropbear release. */
export interface DropbearRelease extends ProgramRelease {
  date: string;
  recipe: DropbearRecipe;
  /** The host key type made per director (`dropbearkey -t`). */
  hostKeyType: string;
  /** Public key types this release accepts in authorized_keys. */
  keyTypes: string[];
  kernelOptions: KernelNeed[];
}

/** The catalog as shipped. */
export const DROPBEAR_CATALOG: ProgramCatalog<DropbearRelease> = catalog;

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findDropbearRelease(version: string, pointer = '/dropbear/version'): DropbearRelease {
  return findRelease(DROPBEAR_CATALOG, version, pointer);
}
