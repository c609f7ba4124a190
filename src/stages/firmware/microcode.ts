/**
 * The initrd's early microcode segment (pure): each vendor's blobs concatenated, in file-name order and without
 * repeated files, as `kernel/x86/microcode/<vendor>.bin`, the names the kernel's early loader looks for
 * (arch/x86/kernel/cpu/microcode/{intel.c,amd.c}; Documentation/arch/x86/microcode.rst). The segment goes first
 * in the initrd and uncompressed: the loader scans it before anything is unpacked.
 */
import { createHash } from 'node:crypto';
import type { RootfsEntry } from '../../lib/cpio.js';
import type { MicrocodeCpu } from '../../spec/types.js';

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

/** `intel family 6 model 85` (`model 85 stepping 7`, or the family alone), for messages. */
export function cpuName(cpu: MicrocodeCpu): string {
  const model = cpu.model === undefined ? '' : ` model ${cpu.model}`;
  const stepping = cpu.stepping === undefined ? '' : ` stepping ${cpu.stepping}`;
  return `${cpu.vendor} family ${cpu.family}${model}${stepping}`;
}

/** Lowest AMD family the kernel's early loader handles (arch/x86/kernel/cpu/microcode/amd.c: family >= 0x10). */
export const AMD_FIRST_FAMILY = 0x10;

/** The CPU signature of an Intel file name `FF-MM-SS` (hex; an `.initramfs` copy too), null for other names. */
function intelSignature(name: string): { family: number; model: number; stepping: number } | null {
  const m = /^([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})(\.initramfs)?$/.exec(name);
  if (!m) return null;
  const [family = 0, model = 0, stepping = 0] = [m[1], m[2], m[3]].map((h) => parseInt(h ?? '', 16));
  return { family, model, stepping };
}

/**
 * Whether a package file holds microcode for `cpu`. Intel files are named `FF-MM-SS` (hex family, model,
 * stepping; an `.initramfs` copy for early loading only); AMD files `microcode_amd_famXXh.bin` per family from 15h,
 * `microcode_amd.bin` for families 10h-14h.
 */
export function fileServesCpu(name: string, cpu: MicrocodeCpu): boolean {
  if (cpu.vendor === 'intel') {
    const sig = intelSignature(name);
    return (
      sig !== null &&
      sig.family === cpu.family &&
      (cpu.model === undefined || sig.model === cpu.model) &&
      (cpu.stepping === undefined || sig.stepping === cpu.stepping)
    );
  }
  if (cpu.family < AMD_FIRST_FAMILY) return false;
  return cpu.family < 0x15
    ? name === 'microcode_amd.bin'
    : name === `microcode_amd_fam${cpu.family.toString(16)}h.bin`;
}

/**
 * The files of one vendor's package the image takes: every one with `all`, else those serving a listed CPU of
 * that vendor; `unserved` names the listed CPUs of that vendor no file serves (the build's error).
 */
export function selectMicrocodeFiles<T extends { name: string }>(
  vendor: MicrocodeCpu['vendor'],
  files: readonly T[],
  cpus: readonly MicrocodeCpu[] | 'all',
): { files: T[]; unserved: MicrocodeCpu[] } {
  if (cpus === 'all') return { files: [...files], unserved: [] };
  const mine = cpus.filter((c) => c.vendor === vendor);
  return {
    files: files.filter((f) => mine.some((c) => fileServesCpu(f.name, c))),
    unserved: mine.filter((c) => !files.some((f) => fileServesCpu(f.name, c))),
  };
}

/** What a vendor's files serve, in /proc/cpuinfo's decimal numbers: `family 6 models 15 22 ...; family 15 ...`. */
export function servedCpus(vendor: MicrocodeCpu['vendor'], names: readonly string[]): string {
  const models = new Map<number, Set<number>>();
  for (const n of names) {
    const intel = intelSignature(n);
    const amd = /^microcode_amd(?:_fam([0-9a-f]+)h)?\.bin$/.exec(n);
    if (vendor === 'intel' && intel) {
      models.set(intel.family, (models.get(intel.family) ?? new Set()).add(intel.model));
    } else if (vendor === 'amd' && amd) {
      const families = amd[1] === undefined ? [16, 17, 18, 19, 20] : [parseInt(amd[1], 16)];
      for (const f of families) models.set(f, new Set());
    }
  }
  const families = [...models.keys()].sort((a, b) => a - b);
  if (vendor === 'amd') return `families ${families.join(' ')}`;
  return families
    .map((f) => `family ${f} models ${[...(models.get(f) ?? [])].sort((a, b) => a - b).join(' ')}`)
    .join('; ');
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
