/**
 * The initrd's early microcode segment (pure): each vendor's blobs concatenated, in file-name order and without
 * repeated files, as `kernel/x86/microcode/<vendor>.bin`, the names the kernel's early loader looks for
 * (arch/x86/kernel/cpu/microcode/{intel.c,amd.c}; Documentation/arch/x86/microcode.rst). The segment goes first
 * in the initrd and uncompressed: the loader scans it before anything is unpacked.
 */
import { createHash } from 'node:crypto';
import type { RootfsEntry } from '../../lib/cpio.js';

/** One microcode file of a package. */
export interface MicrocodeFile {
  name: string;
  bytes: Buffer;
}

/** A vendor's blob: where it goes in the segment, and what it was made of. */
export interface MicrocodeBlob {
  vendor: string;
  package: string;
  path: string;
  bytes: Buffer;
  /** The package files concatenated (a file with the bytes of an earlier one is skipped). */
  files: string[];
}

/** Concatenates one vendor's files (sorted by name; repeated contents once). */
export function makeMicrocodeBlob(
  vendor: string,
  pkg: string,
  files: readonly MicrocodeFile[],
): MicrocodeBlob {
  const seen = new Set<string>();
  const used: MicrocodeFile[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const h = createHash('sha256').update(f.bytes).digest('hex');
    if (seen.has(h)) continue;
    seen.add(h);
    used.push(f);
  }
  return {
    vendor,
    package: pkg,
    path: `/kernel/x86/microcode/${vendor}.bin`,
    bytes: Buffer.concat(used.map((f) => f.bytes)),
    files: used.map((f) => f.name),
  };
}

/** The entries of the early segment: the three folders and one file per vendor. */
export function microcodeEntries(blobs: readonly MicrocodeBlob[]): RootfsEntry[] {
  if (blobs.length === 0) return [];
  return [
    ...['/kernel', '/kernel/x86', '/kernel/x86/microcode'].map((p) => ({
      type: 'dir' as const,
      path: p,
      mode: 0o755,
    })),
    ...blobs.map((b) => ({ type: 'file' as const, path: b.path, mode: 0o644, data: b.bytes })),
  ];
}
