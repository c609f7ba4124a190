/**
 * The firmware part of a director's manifest and its image entries (pure): each file with its package, size,
 * sha256 and declaring modules; what was left out and why; the microcode blobs; and the licence (Debian
 * copyright file) of every package something was taken from, which the image carries too.
 */
import { createHash } from 'node:crypto';
import type { RootfsEntry } from '../../lib/cpio.js';
import type { FirmwareChoice, FirmwarePlan } from './packages.js';
import type { MicrocodeBlob } from './microcode.js';
import type { FirmwareSelection } from './select.js';

/** A package something was taken from, with its licence file. */
export interface UsedPackage {
  package: string;
  version: string;
  /** sha256 of the .deb (the lock's pin). */
  sha256: string;
  /** The copyright file: its path in the package (and in the image) and its bytes. */
  copyright: { path: string; bytes: Buffer };
}

/** The manifest's `firmware` section. */
export interface FirmwareManifest {
  choice: FirmwareChoice;
  files: { path: string; package: string; size: number; sha256: string; modules: string[] }[];
  leftOut: { name: string; modules: string[]; reason: string }[];
  withoutFirmware: FirmwarePlan['withoutFirmware'];
  microcode: { path: string; package: string; size: number; sha256: string; files: number }[];
  licences: { package: string; version: string; deb: string; copyright: string; sha256: string }[];
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The manifest section; `hashes` gives the sha256 of each selected file by name. */
export function firmwareManifest(
  choice: FirmwareChoice,
  plan: FirmwarePlan,
  selection: FirmwareSelection,
  hashes: ReadonlyMap<string, string>,
  blobs: readonly MicrocodeBlob[],
  used: readonly UsedPackage[],
): FirmwareManifest {
  const reason =
    choice === 'none'
      ? 'hardware.firmware is none'
      : `no package of ${plan.nic.join(', ') || 'none'} ships it`;
  return {
    choice,
    files: selection.files.map((f) => ({
      path: `/lib/firmware/${f.name}`,
      package: f.package,
      size: f.size,
      sha256: hashes.get(f.name) ?? '',
      modules: f.modules,
    })),
    leftOut: selection.leftOut.map((l) => ({ ...l, reason })),
    withoutFirmware: plan.withoutFirmware,
    microcode: blobs.map((b) => ({
      path: b.path,
      package: b.package,
      size: b.bytes.length,
      sha256: sha(b.bytes),
      files: b.files.length,
    })),
    licences: used.map((u) => ({
      package: u.package,
      version: u.version,
      deb: u.sha256,
      copyright: `/${u.copyright.path}`,
      sha256: sha(u.copyright.bytes),
    })),
  };
}

/** The image entries: the selected files under /lib/firmware and each used package's copyright file. */
export function firmwareEntries(selection: FirmwareSelection, used: readonly UsedPackage[]): RootfsEntry[] {
  const files: RootfsEntry[] = selection.files.map((f) => ({
    type: 'file',
    path: `/lib/firmware/${f.name}`,
    mode: 0o644,
    data: { file: f.path, size: f.size },
  }));
  // NOTE: the four firmware-nonfree packages share one 236 KB copyright file: identical ones are hard links.
  const groups = new Map<string, number>();
  for (const u of used) groups.set(sha(u.copyright.bytes), (groups.get(sha(u.copyright.bytes)) ?? 0) + 1);
  const licences: RootfsEntry[] = used.map((u) => {
    const h = sha(u.copyright.bytes);
    return {
      type: 'file',
      path: `/${u.copyright.path}`,
      mode: 0o644,
      data: u.copyright.bytes,
      ...((groups.get(h) ?? 0) > 1 ? { linkGroup: `copyright-${h}` } : {}),
    };
  });
  return [...files, ...licences];
}

/**
 * The build's warnings for one director's firmware: each NIC driver that goes down or degrades for want of
 * firmware (`hardware.firmware: none`), and each declared file that was left out.
 */
export function firmwareWarnings(hostname: string, m: FirmwareManifest): string[] {
  return [
    ...m.withoutFirmware.map(
      (d) =>
        `hardware.firmware is none: ${d.module} (${d.family}) ${d.effect === 'down' ? 'will not come up' : 'comes up degraded'} without ${d.package}`,
    ),
    ...m.leftOut.map(
      (l) => `${hostname}: firmware ${l.name} (declared by ${l.modules.join(', ')}) left out: ${l.reason}`,
    ),
  ];
}
