/**
 * What the image of a spec carries for real hardware: every catalog NIC driver built in, as a module the image
 * coldplugs, or absent; its firmware; and the platform options of the kernel. Read from the kernel fragment the
 * build would generate (so a kernel before 6.1, with the base fragment's NICs, is described as it is built) and
 * from the spec's `hardware` section through src/hardware/selection.ts. Pure.
 */
import type { Spec } from '../spec/types.js';
import { firmwareChoices, type MicrocodeChoice } from '../stages/firmware/packages.js';
import { generateKernelFragment } from '../stages/kernel-config.js';
import { allDrivers, familiesOf, loadPlatformCatalog } from './catalog.js';
import type { Carried, ImageDriver, ImageNics } from './match.js';
import { hardwareApplies, imageNicModules, nicSelection, ownPlatform } from './selection.js';

/** One catalog driver as the image has it, with the catalog's reason for it. */
export interface ImageDriverRow extends ImageDriver {
  symbols: string[];
  reason: string;
  /** True when the spec's hardware.nics selects the family. */
  selected: boolean;
}

/** One platform group of hardware/platform.json and whether the kernel fragment has each of its lines. */
export interface PlatformRow {
  group: string;
  reason: string;
  symbols: { symbol: string; want: string; have: string | null }[];
  /** Every line has the value the group wants. */
  carried: boolean;
}

/** The hardware view of one spec's image. */
export interface ImageHardware {
  kernel: { version: string; profile: string; prebuilt: boolean };
  /** False before kernel 6.1: hardware.nics and the platform options do not apply, the base fragment's NICs do. */
  catalogApplies: boolean;
  /** hardware.nics as the spec has it (the default set when left out). */
  nics: string | string[];
  families: string[];
  /** hardware.firmware: `nonfree` puts the drivers' firmware files in the initrd, `none` leaves them out. */
  firmware: 'nonfree' | 'none';
  /** The CPUs whose early microcode the initrd carries: every one, the spec's list, or none. */
  microcode: MicrocodeChoice;
  drivers: ImageDriverRow[];
  /**
   * null for a prebuilt kernel or a .config base (their platform options are their own configuration's) and before
   * kernel 6.1.
   */
  platform: PlatformRow[] | null;
}

/** The hardware view of `spec`'s image. */
export function imageHardware(spec: Spec): ImageHardware {
  const selection = nicSelection(spec);
  const families = familiesOf(selection);
  const modules = new Set(imageNicModules(spec));
  const prebuilt = spec.kernel.prebuilt !== undefined;
  const applies = hardwareApplies(spec.kernel.version);
  const values = prebuilt ? undefined : fragmentValues(spec);
  const carriedOf = (module: string, symbols: string[]): Carried => {
    if (!values) return modules.has(module) ? 'module' : 'absent';
    const v = symbols.map((s) => values.get(s));
    if (v.every((x) => x === 'y')) return 'built-in';
    return v.every((x) => x === 'y' || x === 'm') && modules.has(module) ? 'module' : 'absent';
  };
  const drivers = allDrivers().map((d): ImageDriverRow => ({
    module: d.module,
    family: d.family,
    carried: carriedOf(d.module, d.symbols),
    firmware: d.firmware,
    firmwarePackage: d.firmwarePackage,
    withoutFirmware: d.withoutFirmware,
    symbols: d.symbols,
    reason: d.reason,
    selected: families.includes(d.family),
  }));
  return {
    kernel: { version: spec.kernel.version, profile: spec.kernel.profile ?? 'full', prebuilt },
    catalogApplies: applies,
    nics: selection,
    families,
    firmware: firmwareSwitch(spec),
    microcode: firmwareChoices(spec).microcode,
    drivers,
    platform: values && applies && !ownPlatform(spec) ? platformRows(values) : null,
  };
}

/** The matcher's input from the hardware view. */
export function imageNics(hw: ImageHardware): ImageNics {
  return {
    drivers: hw.drivers,
    firmwareIncluded: hw.firmware === 'nonfree',
    catalogApplies: hw.catalogApplies,
  };
}

function fragmentValues(spec: Spec): Map<string, string> {
  return new Map(generateKernelFragment(spec).lines.map((l) => [l.symbol, l.value]));
}

function platformRows(values: Map<string, string>): PlatformRow[] {
  return Object.entries(loadPlatformCatalog().groups).map(([group, g]) => {
    const symbols = Object.entries(g.symbols).map(([symbol, want]) => ({
      symbol,
      want,
      have: values.get(symbol) ?? null,
    }));
    return { group, reason: g.reason, symbols, carried: symbols.every((s) => s.have === s.want) };
  });
}

function firmwareSwitch(spec: Spec): 'nonfree' | 'none' {
  return spec.hardware?.firmware ?? 'nonfree';
}
