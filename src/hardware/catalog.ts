/**
 * The hardware/ data: the NIC catalog (nics.json: families of drivers with their Kconfig symbols, firmware and
 * QEMU models) and the server platform options (platform.json), with the lookups the spec check, the kernel
 * fragment, the firmware selection and the `hardware` command make on them. The files are package data, read once;
 * every lookup is pure.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../lib/errors.js';

/** hardware/ in the source tree or the installed package. */
export const HARDWARE_DIR = fileURLToPath(new URL('../../hardware/', import.meta.url));

/** What a NIC does when its firmware files are absent. */
export type WithoutFirmware = 'works' | 'degraded' | 'down';

/** One driver (Linux module) of a NIC family. */
export interface NicDriver {
  module: string;
  /** Its tristate Kconfig symbols: `y` when builtIn, `m` otherwise. */
  symbols: string[];
  /** Symbols always set `y` with it: vendor menus, bool sub-options, dependencies tinyconfig lacks. */
  needs: string[];
  /** Every file the 6.1 driver declares with MODULE_FIRMWARE. */
  firmware: string[];
  firmwarePackage: string | null;
  withoutFirmware: WithoutFirmware;
  builtIn: boolean;
  /** QEMU 7.2 `-device` models this driver binds. */
  qemu: string[];
  reason: string;
}

/** A NIC family: one product line, one or more drivers (e.g. a PF and its VF). */
export interface NicFamily {
  description: string;
  drivers: NicDriver[];
}

/** nics.json. */
export interface NicCatalog {
  $comment: string[];
  families: Record<string, NicFamily>;
  sets: Record<string, string[]>;
}

/** One group of platform.json: Kconfig lines (`y` or a number) and why. */
export interface PlatformGroup {
  reason: string;
  symbols: Record<string, string>;
  source: string;
  /** For a prebuilt kernel: the group's modules the image carries and coldplugs, each with its Kconfig symbol. */
  prebuilt?: Record<string, string>;
}

/** platform.json. */
export interface PlatformCatalog {
  $comment: string[];
  groups: Record<string, PlatformGroup>;
  sets: Record<string, string[]>;
}

/** A driver with the family it belongs to. */
export interface SelectedDriver extends NicDriver {
  family: string;
}

/** One Kconfig line the hardware data asks for, with its reason and data source. */
export interface HardwareLine {
  symbol: string;
  value: string;
  reason: string;
  source: string;
}

/** What a spec writes to select NICs: a named set or a list of families. */
export type NicSelection = string | string[];

const cache = new Map<string, unknown>();
function readData<T>(name: string): T {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(HARDWARE_DIR + name, 'utf8')));
  return cache.get(name) as T;
}

/** hardware/nics.json. */
export function loadNicCatalog(): NicCatalog {
  return readData<NicCatalog>('nics.json');
}

/** hardware/platform.json. */
export function loadPlatformCatalog(): PlatformCatalog {
  return readData<PlatformCatalog>('platform.json');
}

/** Every family name, in catalog order. */
export function nicFamilyNames(): string[] {
  return Object.keys(loadNicCatalog().families);
}

/** Every named NIC set (`default`, ...). */
export function nicSetNames(): string[] {
  return Object.keys(loadNicCatalog().sets);
}

/** The names in a selection that are neither a family nor (for a string) a set; empty when all are known. */
export function unknownNicNames(selection: NicSelection): string[] {
  const { families, sets } = loadNicCatalog();
  if (typeof selection === 'string') return selection in sets ? [] : [selection];
  return selection.filter((f) => !(f in families));
}

/** The families a selection names, deduplicated, in selection order; unknown names throw (check first). */
export function familiesOf(selection: NicSelection): string[] {
  const { sets } = loadNicCatalog();
  const unknown = unknownNicNames(selection);
  if (unknown.length > 0)
    throw new InternalError(`unknown NIC family or set ${unknown.join(', ')} reached the catalog unchecked`);
  const names = typeof selection === 'string' ? (sets[selection] ?? []) : selection;
  return [...new Set(names)];
}

/** The drivers of the selected families, each tagged with its family. */
export function driversOf(selection: NicSelection): SelectedDriver[] {
  const { families } = loadNicCatalog();
  return familiesOf(selection).flatMap((family) =>
    (families[family]?.drivers ?? []).map((d) => ({ ...d, family })),
  );
}

/**
 * The Kconfig lines for the drivers: their symbols `y` (builtIn, or `allBuiltIn`) or `m`, their needs `y`.
 * `allBuiltIn` serves kernels without module support.
 */
export function nicLines(drivers: SelectedDriver[], allBuiltIn = false): HardwareLine[] {
  return drivers.flatMap((d) => {
    const source = `hardware/nics.json: ${d.family}/${d.module}`;
    const value = d.builtIn || allBuiltIn ? 'y' : 'm';
    const what = `hardware nics ${d.family}/${d.module}`;
    return [
      ...d.symbols.map((symbol) => ({ symbol, value, reason: `${what}: ${d.reason}`, source })),
      ...d.needs.map((symbol) => ({ symbol, value: 'y', reason: `needed by ${what}`, source })),
    ];
  });
}

/** The Kconfig lines of the named platform groups (all of `sets.default` when omitted). */
export function platformLines(groups?: string[]): HardwareLine[] {
  const catalog = loadPlatformCatalog();
  const names = groups ?? catalog.sets.default ?? [];
  return names.flatMap((name) => {
    const group = catalog.groups[name];
    if (!group) throw new InternalError(`unknown platform group ${name} (hardware/platform.json)`);
    // The group's reason once, on its first symbol; the others point at it.
    const [first] = Object.keys(group.symbols);
    return Object.entries(group.symbols).map(([symbol, value]) => ({
      symbol,
      value,
      reason:
        symbol === first
          ? `hardware platform ${name}: ${group.reason}`
          : `hardware platform ${name} (see CONFIG_${first})`,
      source: `hardware/platform.json: ${name}`,
    }));
  });
}

/** Every driver of the catalog, tagged with its family. */
export function allDrivers(): SelectedDriver[] {
  return Object.entries(loadNicCatalog().families).flatMap(([family, f]) =>
    f.drivers.map((d) => ({ ...d, family })),
  );
}

/** The catalog driver of a module name (`-` and `_` are the same, as modprobe treats them), or undefined. */
export function driverByModule(module: string): SelectedDriver | undefined {
  const key = moduleKey(module);
  return allDrivers().find((d) => moduleKey(d.module) === key);
}

/** The family a module belongs to, or undefined when the catalog does not list it. */
export function familyOfModule(module: string): string | undefined {
  return driverByModule(module)?.family;
}

/** The firmware files a module may request (empty for unknown modules and firmware-free drivers). */
export function firmwareOfModule(module: string): string[] {
  return driverByModule(module)?.firmware ?? [];
}

/** The driver a QEMU `-device` model binds, or undefined when no catalog driver does. */
export function driverOfQemuModel(model: string): SelectedDriver | undefined {
  return allDrivers().find((d) => d.qemu.includes(model));
}

/** The family a QEMU `-device` model belongs to, or undefined. */
export function familyOfQemuModel(model: string): string | undefined {
  return driverOfQemuModel(model)?.family;
}

/** Every QEMU `-device` model the catalog covers, in catalog order. */
export function qemuModels(): string[] {
  return allDrivers().flatMap((d) => d.qemu);
}

/** The module names of a selection, in selection order. */
export function modulesOf(selection: NicSelection): string[] {
  return driversOf(selection).map((d) => d.module);
}

function moduleKey(module: string): string {
  return module.replace(/-/g, '_');
}
