/**
 * Which Debian firmware and microcode packages a spec's image takes files from (hardware/firmware-packages.json
 * for what each package is, hardware/nics.json for which driver needs which), and what the switches leave out.
 * Pure.
 */
import { readFileSync } from 'node:fs';
import { HARDWARE_DIR } from '../../hardware/catalog.js';
import { imageNicDrivers } from '../../hardware/selection.js';
import { kernelAtLeast } from '../../lib/kernel-version.js';
import type { MicrocodeCpu, Spec } from '../../spec/types.js';

/** The first kernel series the catalog's firmware facts hold for (older kernels take no firmware). */
const FIRMWARE_SINCE = '6.1';

/** A package of hardware/firmware-packages.json. */
export type FirmwarePackage =
  | { role: 'nic'; copyright: string }
  | {
      role: 'microcode';
      vendor: 'GenuineIntel' | 'AuthenticAMD';
      dir: string;
      match: string;
      copyright: string;
    };

/** hardware/firmware-packages.json. */
export interface FirmwarePackageTable {
  $comment: string;
  packages: Record<string, FirmwarePackage>;
}

let table: FirmwarePackageTable | undefined;

/** hardware/firmware-packages.json, read once. */
export function loadFirmwarePackages(): FirmwarePackageTable {
  table ??= JSON.parse(readFileSync(HARDWARE_DIR + 'firmware-packages.json', 'utf8')) as FirmwarePackageTable;
  return table;
}

/** `hardware.firmware`: Debian's non-free firmware (NIC files and CPU microcode), or none of it. */
export type FirmwareChoice = 'nonfree' | 'none';

/** The vendor a microcode package serves, in the spec's words (`hardware.microcode[].vendor`). */
export const MICROCODE_VENDOR = { GenuineIntel: 'intel', AuthenticAMD: 'amd' } as const;

/** The CPUs whose microcode goes in: every one, the listed ones, or none. */
export type MicrocodeChoice = 'all' | 'none' | MicrocodeCpu[];

/** The spec's firmware switches with their defaults: microcode is non-free too, so `none` leaves it out. */
export function firmwareChoices(spec: Spec): { firmware: FirmwareChoice; microcode: MicrocodeChoice } {
  const firmware = spec.hardware?.firmware ?? 'nonfree';
  const wanted = spec.hardware?.microcode ?? true;
  const microcode = firmware === 'none' || wanted === false ? 'none' : wanted === true ? 'all' : wanted;
  return { firmware, microcode };
}

/** What a spec takes from the firmware packages: each one by name, and what the switches leave out. */
export interface FirmwarePlan {
  /** NIC firmware packages, sorted: their declared files go to /lib/firmware. */
  nic: string[];
  /** Microcode packages, in table order (Intel, AMD): the initrd's first segment (with a CPU list, its vendors'). */
  microcode: string[];
  /** The CPUs whose files the microcode packages give: `all`, or the spec's list. */
  microcodeCpus: MicrocodeCpu[] | 'all';
  /** With `hardware.firmware: none`: the drivers that need firmware, by what they do without it. */
  withoutFirmware: { module: string; family: string; package: string; effect: 'down' | 'degraded' }[];
}

/** The firmware plan of a spec (see FirmwarePlan); the kernel's own files are matched later (select.ts). */
export function planFirmware(spec: Spec): FirmwarePlan {
  if (!kernelAtLeast(spec.kernel.version, FIRMWARE_SINCE))
    return { nic: [], microcode: [], microcodeCpus: 'all', withoutFirmware: [] };
  const { firmware, microcode } = firmwareChoices(spec);
  const needing = imageNicDrivers(spec).filter((d) => d.firmwarePackage !== null);
  const packages = loadFirmwarePackages().packages;
  const withoutFirmware =
    firmware === 'none'
      ? needing.flatMap((d) =>
          d.withoutFirmware === 'works'
            ? []
            : [
                {
                  module: d.module,
                  family: d.family,
                  package: d.firmwarePackage ?? '',
                  effect: d.withoutFirmware,
                },
              ],
        )
      : [];
  return {
    nic: firmware === 'none' ? [] : [...new Set(needing.map((d) => d.firmwarePackage ?? ''))].sort(),
    microcode: Object.keys(packages).filter((p) => {
      const pkg = packages[p];
      if (pkg?.role !== 'microcode' || microcode === 'none') return false;
      return microcode === 'all' || microcode.some((c) => c.vendor === MICROCODE_VENDOR[pkg.vendor]);
    }),
    microcodeCpus: microcode === 'none' || microcode === 'all' ? 'all' : microcode,
    withoutFirmware,
  };
}
