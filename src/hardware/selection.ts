/**
 * What a spec's `hardware` section selects: the NIC families the kernel carries (profile full: the default set,
 * the site kernel), the drivers whose modules the image carries, and the consoles a kernel offers. Pure.
 */
import { kernelAtLeast } from '../lib/kernel-version.js';
import type { NicSelection, Spec } from '../spec/types.js';
import { driversOf, familiesOf, loadPlatformCatalog, type SelectedDriver } from './catalog.js';

/** The first kernel series the catalog's facts hold for (Debian linux-source 6.1.192). */
export const HARDWARE_SINCE = '6.1';

/** The default NIC selection when a spec leaves `hardware.nics` out. */
export const DEFAULT_NICS = 'default';

/** True when the hardware catalog applies to kernel `version` (older kernels keep their base fragment). */
export function hardwareApplies(version: string): boolean {
  return kernelAtLeast(version, HARDWARE_SINCE);
}

/** The spec's NIC selection, the default set when it names none. */
export function nicSelection(spec: Spec): NicSelection {
  return spec.hardware?.nics ?? DEFAULT_NICS;
}

/**
 * The families the kernel is configured with: the selection, and for profile full the default set first, so
 * every director of a site boots one kernel whatever its spec selects.
 */
export function kernelNicFamilies(spec: Spec): string[] {
  const own = familiesOf(nicSelection(spec));
  if ((spec.kernel.profile ?? 'full') !== 'full') return own;
  return [...new Set([...familiesOf(DEFAULT_NICS), ...own])];
}

/** The kernel's NIC drivers (see kernelNicFamilies), each with its family. */
export function kernelNicDrivers(spec: Spec): SelectedDriver[] {
  return driversOf(kernelNicFamilies(spec));
}

/**
 * The NIC drivers whose modules the image carries and /init coldplugs: the selection's drivers that are not built
 * in; for a prebuilt kernel every selected driver (a distribution kernel has them all as modules).
 */
export function imageNicModules(spec: Spec): string[] {
  const drivers = driversOf(nicSelection(spec));
  const prebuilt = spec.kernel.prebuilt !== undefined;
  return drivers.filter((d) => prebuilt || !d.builtIn).map((d) => d.module);
}

/** Platform groups a spec switches off: the watchdog drivers serve the feeder, which `hardware.watchdog: false` drops. */
const GROUP_ON: Readonly<Record<string, (spec: Spec) => boolean>> = {
  watchdog: (spec) => spec.hardware?.watchdog !== false,
};

/** A platform module a prebuilt kernel's image carries: the module, its Kconfig symbol and its group. */
export interface PlatformModule {
  module: string;
  symbol: string;
  group: string;
}

/**
 * The platform modules the image of a prebuilt kernel carries and /init coldplugs (hardware/platform.json's
 * `prebuilt`, for the default set's groups the spec has on): a distribution kernel has its watchdog drivers as
 * modules, and lpc_ich makes the iTCO device iTCO_wdt binds. None for a kernel lvs-image builds (they are built
 * in) and before 6.1.
 */
export function prebuiltPlatformModules(spec: Spec): PlatformModule[] {
  if (spec.kernel.prebuilt === undefined || !hardwareApplies(spec.kernel.version)) return [];
  const catalog = loadPlatformCatalog();
  return (catalog.sets.default ?? []).flatMap((group) =>
    GROUP_ON[group]?.(spec) === false
      ? []
      : Object.entries(catalog.groups[group]?.prebuilt ?? {}).map(([module, symbol]) => ({
          module,
          symbol,
          group,
        })),
  );
}

/**
 * The NIC drivers the image drives: the kernel's built-in drivers and the modules the image carries
 * (imageNicModules); a driver the kernel has as a module the image leaves out is not among them.
 */
export function imageNicDrivers(spec: Spec): SelectedDriver[] {
  const carried = new Set(imageNicModules(spec));
  const prebuilt = spec.kernel.prebuilt !== undefined;
  return kernelNicDrivers(spec).filter((d) => (!prebuilt && d.builtIn) || carried.has(d.module));
}

/** How many 8250 UARTs (ttyS0..) a kernel lvs-image configures registers: 8 with the platform options, else 4. */
export function serialPortCount(version: string): number {
  return hardwareApplies(version) ? 8 : 4;
}

/** The highest virtual terminal number (tty1..tty63; tty0 is the current one), MAX_NR_CONSOLES - 1. */
export const LAST_VT = 63;

/**
 * True when the kernel's base is a .config file (a distribution's, e.g. Debian's): a server kernel already, whose
 * platform options are its own; hardware/platform.json raises only the kernel's own bases (tinyconfig, defconfig).
 */
export function ownPlatform(spec: Spec): boolean {
  const base = spec.kernel.base ?? 'tinyconfig';
  return base !== 'tinyconfig' && base !== 'defconfig';
}
