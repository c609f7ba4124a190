/** The ipvsadm release catalog (src/packages/ipvsadm.json) with its types and look-ups. */
import catalog from './ipvsadm.json' with { type: 'json' };
import type { DebianSource, ProgramSourceFile } from './program.js';
import { findRelease } from './program.js';

/** How a release talks to the kernel: setsockopt only, or generic netlink with a setsockopt fallback. */
export type KernelInterface = 'sockopt' | 'netlink+sockopt';

/** One downloadable file of a release (src/packages/program.ts). */
export type IpvsadmSourceFile = ProgramSourceFile;
export type { DebianSource } from './program.js';

/** Where the IPVS header ipvsadm compiles against comes from: the kernel tree (≤1.24) or bundled (≥1.25). */
export interface IpvsHeaderSource {
  from: 'kernel' | 'bundled';
  /** Path inside the kernel tree (`from: kernel`) or inside the ipvsadm source (`from: bundled`). */
  path: string;
  /** IP_VS_VERSION_CODE of the bundled header, when known; null for kernel headers. */
  ipvsVersionCode: number | null;
}

/** How to build a release: extra make arguments, static link libraries, the probe's include line. */
export interface IpvsadmRecipe {
  /** `make` arguments; `{kernelHeaders}` is replaced by the kernel source/headers folder. */
  makeArgs: string[];
  /** LIBS for a static link (`make ipvsadm LIBS=...`). */
  staticLibs: string;
  /** Include line (with `<>` or quotes) that brings IP_VS_VERSION_CODE in, as ipvsadm.c does. */
  probeInclude: string;
  /** True when the tree has a libipvs/ folder built by `make libs`. */
  libipvs: boolean;
  /** True when this recipe was run on the project's build host; false means taken from the sources' Makefile. */
  verified: boolean;
}

/** One ipvsadm release. */
export interface IpvsadmRelease {
  version: string;
  date: string | null;
  /** IPVSADM_VERSION_DATE as `--version` prints it, when known. */
  versionDate?: string;
  sources: IpvsadmSourceFile[];
  debian: DebianSource | null;
  kernelInterface: KernelInterface;
  libraries: { popt: 'optional' | 'mandatory'; libnl: string | null };
  targetKernels: { min: string; max: string | null; note: string };
  ipvsHeader: IpvsHeaderSource;
  minimumIpvsVersion: string | null;
  recipe: IpvsadmRecipe;
}

/** The whole catalog file. */
export interface IpvsadmCatalog {
  name: string;
  license: string;
  homepage: string;
  releases: IpvsadmRelease[];
}

/** The catalog as shipped. */
export const IPVSADM_CATALOG: IpvsadmCatalog = catalog as IpvsadmCatalog;

/** Versions in the catalog, oldest first. */
export function listIpvsadmVersions(): string[] {
  return IPVSADM_CATALOG.releases.map((r) => r.version);
}

/** The catalog entry for `version`, or a SpecError naming the spec field and the versions available. */
export function findIpvsadmRelease(version: string, pointer = '/ipvsadm/version'): IpvsadmRelease {
  return findRelease(IPVSADM_CATALOG, version, pointer);
}

export { defaultSourceFile } from './program.js';
