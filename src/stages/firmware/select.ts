/**
 * Which firmware files go into the image (pure): exactly what its drivers declare, intersected with what the
 * firmware packages ship; a declared file no package ships is named as left out. Files go under /lib/firmware
 * uncompressed (the kernel has no FW_LOADER_COMPRESS).
 */
import type { DeclaredFirmware } from './modinfo.js';

/** A file a package ships under lib/firmware: its name relative to it, and where its bytes are on this machine. */
export interface ShippedFile {
  package: string;
  /** e.g. `bnx2/bnx2-mips-09-6.2.1b.fw`. */
  name: string;
  /** Host path of the bytes (a symlink in the package already resolved). */
  path: string;
  size: number;
}

/** One firmware file of the image. */
export interface SelectedFirmware extends ShippedFile {
  /** The modules that declare it. */
  modules: string[];
}

/** What selectFirmware decided. */
export interface FirmwareSelection {
  files: SelectedFirmware[];
  /** Declared files no package ships (or firmware switched off), with the modules that declare them. */
  leftOut: { name: string; modules: string[] }[];
}

/** The files declared by `declared` that `shipped` has, sorted by name; the others as left out. */
export function selectFirmware(
  declared: DeclaredFirmware,
  shipped: ReadonlyMap<string, ShippedFile>,
): FirmwareSelection {
  const byFile = new Map<string, string[]>();
  for (const [module, files] of declared)
    for (const f of files) byFile.set(f, [...(byFile.get(f) ?? []), module].sort());
  const files: SelectedFirmware[] = [];
  const leftOut: FirmwareSelection['leftOut'] = [];
  for (const name of [...byFile.keys()].sort()) {
    const modules = byFile.get(name) ?? [];
    const have = shipped.get(name);
    if (have !== undefined) files.push({ ...have, modules });
    else leftOut.push({ name, modules });
  }
  return { files, leftOut };
}

/** Merges declarations (built-in and module ones) into one map. */
export function mergeDeclared(...maps: DeclaredFirmware[]): DeclaredFirmware {
  const out: DeclaredFirmware = new Map();
  for (const m of maps)
    for (const [module, files] of m)
      out.set(module, [...new Set([...(out.get(module) ?? []), ...files])].sort());
  return out;
}
