/**
 * Remarks on an lspci dump as a whole that its device table cannot make: NICs on a bus lspci does not list
 * (Hyper-V's VMBus) and a dump without network controllers. Pure.
 */
import { isNetworkController, type LspciDevice } from './lspci.js';
import type { ImageNics } from './match.js';

/** A remark on the dump as a whole, with its fix when there is one. */
export interface DumpNote {
  note: string;
  fix?: string;
}

// PCI vendors whose presence means a hypervisor whose NICs sit on a bus lspci does not list, and that bus's alias prefix.
const HIDDEN_BUS_VENDORS: Record<string, { hypervisor: string; bus: string }> = {
  '1414': { hypervisor: 'Hyper-V', bus: 'vmbus:' },
};

/**
 * What the device table cannot show: NICs on VMBus (Hyper-V's synthetic hv_netvsc, whose accelerated-networking
 * VF only carries traffic as that interface's slave), and a dump without network controllers.
 */
export function dumpNotes(
  devices: LspciDevice[],
  busModules: Record<string, string[]>,
  image: ImageNics,
): DumpNote[] {
  const notes: DumpNote[] = [];
  const vendors = new Set(devices.map((d) => d.vendor));
  for (const [vendor, { hypervisor, bus }] of Object.entries(HIDDEN_BUS_VENDORS)) {
    if (!vendors.has(vendor)) continue;
    for (const [module, aliases] of Object.entries(busModules)) {
      if (!aliases.some((a) => a.startsWith(bus))) continue;
      const d = image.drivers.find((x) => x.module === module);
      const carried = d?.carried ?? 'absent';
      notes.push({
        note: `${hypervisor} guest (PCI vendor ${vendor}): its synthetic NICs are ${bus.replace(':', '')} devices (${module}), which lspci never lists; a PCI NIC beside them is an accelerated-networking VF that carries traffic only as a slave of its ${module} interface; the image has ${module}: ${carried === 'absent' ? 'no' : carried}`,
        ...(carried === 'absent' && d ? { fix: `add family ${d.family} to hardware.nics` } : {}),
      });
    }
  }
  if (!devices.some(isNetworkController))
    notes.push({
      note:
        devices.length === 0
          ? 'the dump lists no PCI device (a Hyper-V generation 2 VM shows none: its NICs are VMBus devices)'
          : 'the dump lists no network controller (PCI class 02xx)',
    });
  return notes;
}
