/**
 * Which catalog driver drives each network controller of an lspci dump, whether the image carries it and its
 * firmware, and the fix when it does not: the modalias rules of hardware/pci-ids.json matched as modprobe would.
 * Pure: the image's drivers and the rules come in as data.
 */
import type { WithoutFirmware } from './catalog.js';
import { isNetworkController, type LspciDevice } from './lspci.js';
import { matchPciAlias, pciModalias } from './modalias.js';
import type { PciModuleRule } from './pci-ids.js';

/** How the image has a driver: in the kernel, as a module the image carries and /init coldplugs, or not at all. */
export type Carried = 'built-in' | 'module' | 'absent';

/** One catalog driver as the image of a spec has it. */
export interface ImageDriver {
  module: string;
  family: string;
  carried: Carried;
  firmware: string[];
  firmwarePackage: string | null;
  withoutFirmware: WithoutFirmware;
}

/** The NIC side of an image: every catalog driver, and whether its non-free firmware files are in the initrd. */
export interface ImageNics {
  drivers: ImageDriver[];
  firmwareIncluded: boolean;
}

/** A catalog driver whose modalias rule matches a device. */
export interface DriverCandidate {
  module: string;
  family: string;
  /** The module whose alias claims the PCI function, when not the driver itself (virtio_pci for virtio_net). */
  via?: string;
  alias: string;
  /** false: the rule names a subsystem id the dump does not show (run lspci -nnk or -nnv to be sure). */
  certain: boolean;
  carried: Carried;
}

/** What the image does with a device: drives it, drives it without features, cannot bring it up, lacks its driver. */
export type NicStatus = 'driven' | 'degraded' | 'down' | 'not-carried' | 'unknown';

/** One network controller of the dump and what the image does with it. */
export interface NicMatch {
  slot: string;
  /** `vendor:device` (and ` subvendor:subdevice` when the dump shows it). */
  pciId: string;
  classCode: string;
  name: string;
  modalias: string;
  driverInUse?: string;
  candidates: DriverCandidate[];
  /** The candidate the image uses (the first one it carries), else the first candidate. */
  driver?: DriverCandidate;
  firmware?: { files: string[]; package: string | null; included: boolean; without: WithoutFirmware };
  status: NicStatus;
  fixes: string[];
}

/** The candidates for one device, in rule order, one per module. */
export function candidatesOf(
  device: LspciDevice,
  rules: PciModuleRule[],
  drivers: ImageDriver[],
): DriverCandidate[] {
  const byModule = new Map(drivers.map((d) => [d.module, d]));
  const out = new Map<string, DriverCandidate>();
  for (const r of rules) {
    const m = matchPciAlias(r.rule, device);
    const driver = byModule.get(r.module);
    if (m === 'no' || !driver || (out.get(r.module)?.certain ?? false)) continue;
    out.set(r.module, {
      module: r.module,
      family: driver.family,
      ...(r.via !== undefined ? { via: r.via } : {}),
      alias: r.alias,
      certain: m === 'match',
      carried: driver.carried,
    });
  }
  return [...out.values()];
}

/** Matches every network controller of the dump against the rules and the image's drivers. */
export function matchNics(devices: LspciDevice[], rules: PciModuleRule[], image: ImageNics): NicMatch[] {
  return devices.filter(isNetworkController).map((device) => matchNic(device, rules, image));
}

function matchNic(device: LspciDevice, rules: PciModuleRule[], image: ImageNics): NicMatch {
  const candidates = candidatesOf(device, rules, image.drivers);
  const driver = candidates.find((c) => c.carried !== 'absent') ?? candidates[0];
  const sub = device.subvendor !== undefined ? ` ${device.subvendor}:${device.subdevice ?? '????'}` : '';
  const base = {
    slot: device.slot,
    pciId: `${device.vendor}:${device.device}${sub}`,
    classCode: device.classCode,
    name: device.name,
    modalias: pciModalias(device),
    ...(device.driverInUse !== undefined ? { driverInUse: device.driverInUse } : {}),
    candidates,
  };
  if (!driver) {
    const used = device.driverInUse ?? device.kernelModules?.[0];
    const fix =
      used !== undefined
        ? `the catalog has no family for ${base.pciId} (the machine's kernel drives it with ${used}): add one to hardware/nics.json, or use a NIC the catalog knows`
        : `the catalog has no family for ${base.pciId}: add one to hardware/nics.json, or use a NIC the catalog knows`;
    return { ...base, status: 'unknown', fixes: [fix] };
  }
  const fixes: string[] = [];
  if (driver.carried === 'absent') fixes.push(`add family ${driver.family} to hardware.nics`);
  const spec = image.drivers.find((d) => d.module === driver.module)!;
  let status: NicStatus = driver.carried === 'absent' ? 'not-carried' : 'driven';
  let firmware: NicMatch['firmware'];
  if (spec.firmware.length > 0) {
    firmware = {
      files: spec.firmware,
      package: spec.firmwarePackage,
      included: image.firmwareIncluded,
      without: spec.withoutFirmware,
    };
    if (!image.firmwareIncluded && spec.withoutFirmware !== 'works') {
      fixes.push(
        `enable non-free firmware (${spec.firmwarePackage ?? 'no Debian package'}): without it ${driver.module} ${spec.withoutFirmware === 'down' ? 'cannot bring the link up' : 'may run degraded (it depends on the chip)'}`,
      );
      if (status === 'driven') status = spec.withoutFirmware;
    }
  }
  if (!driver.certain)
    fixes.push(
      `${driver.module}'s rule ${driver.alias} names a subsystem: run lspci -nnk (or -nnv) so that it can be checked`,
    );
  return { ...base, driver, ...(firmware ? { firmware } : {}), status, fixes };
}
