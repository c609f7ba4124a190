/**
 * The hardware part of a kernel fragment (kernel 6.1 and later): the server platform options of
 * hardware/platform.json and the NIC drivers of the spec's selection (profile full: the default set), each symbol
 * `y` or, for a driver the catalog keeps as a module, `m` with module support. Pure.
 *
 * The platform options raise the kernel's own bases (tinyconfig, defconfig) to a server kernel. A base that is a
 * .config file (a distribution's, e.g. Debian's) is a server kernel already, with its own platform choices
 * (Debian: MAXSMP, so NR_CPUS=8192; iTCO_wdt a module): those are kept, not overridden.
 */
import { nicLines, platformLines, type HardwareLine } from '../../hardware/catalog.js';
import { hardwareApplies, kernelNicDrivers, ownPlatform } from '../../hardware/selection.js';
import type { KernelOptionMode, Spec } from '../../spec/types.js';
import { symbolExists } from './catalog.js';
import type { FragmentLines } from './fragment-lines.js';

/** The hardware lines of `spec` for kernel `version` (empty before 6.1: those kernels keep their base NICs). */
export function hardwareLines(spec: Spec, version: string, mode: KernelOptionMode): HardwareLine[] {
  if (!hardwareApplies(version)) return [];
  const lines = [...(ownPlatform(spec) ? [] : platformLines()), ...nicLines(kernelNicDrivers(spec))];
  const modules = lines.filter((l) => l.value === 'm').map((l) => l.symbol);
  if (modules.length > 0 && mode !== 'module')
    lines.push({
      symbol: 'MODULES',
      value: 'y',
      reason: `hardware nics: drivers kept as modules (${modules.join(', ')}), loaded by /init for the devices present`,
      source: 'hardware/nics.json',
    });
  return lines.filter((l) => symbolExists(version, l.symbol));
}

/** Adds the hardware lines to `out` as profile lines (kernel.extraConfig may override them, reported). */
export function addHardwareLines(
  out: FragmentLines,
  spec: Spec,
  version: string,
  mode: KernelOptionMode,
): void {
  for (const l of hardwareLines(spec, version, mode))
    out.add(l.symbol, l.value, 'profile', l.source, l.reason);
}
