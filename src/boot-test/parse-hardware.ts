/** Pure readers of what the hardware probes print (src/boot-test/observe-hardware.ts). */

/** A network interface as the guest shows it. */
export interface SeenNet {
  name: string;
  mac: string;
  ifindex: number;
  /** The PCI address of its device (`0000:00:02.0`), '' when not on PCI. */
  bdf: string;
  /** The last part of its device path: the PCI address, or the virtio device (`virtio0`) on it. */
  device: string;
  driver: string;
}

/** A PCI device as the guest shows it. */
export interface SeenPci {
  bdf: string;
  /** `vendor:device` in lower-case hex without 0x (`8086:10d3`). */
  id: string;
  /** MSI modes of its vectors (`msix`, `msi`), one per vector. */
  msi: string[];
}

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** The interfaces in the `net` probe's output (`NAME MAC IFINDEX DEVICE-PATH DRIVER` lines). */
export function parseNet(output: string): SeenNet[] {
  return output.split('\n').flatMap((line) => {
    const [name, mac, ifindex, device, driver] = line.trim().split(/\s+/);
    if (name === undefined || mac === undefined || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) return [];
    const bdf = [...(device ?? '').split('/')].reverse().find((p) => BDF.test(p)) ?? '';
    const last = (device ?? '').split('/').pop() ?? '';
    return [
      { name, mac: mac.toLowerCase(), ifindex: Number(ifindex), bdf, device: last, driver: driver ?? '' },
    ];
  });
}

/** The PCI devices in the `pci` probe's output (`BDF 0xVVVV:0xDDDD 0xRR MODES` lines). */
export function parsePci(output: string): SeenPci[] {
  return output.split('\n').flatMap((line) => {
    const m = /^(\S+) 0x([0-9a-f]{4}):0x([0-9a-f]{4}) \S+ (\S+)$/i.exec(line.trim());
    if (m === null || !BDF.test(m[1] ?? '')) return [];
    const modes = m[4] === '-' ? [] : (m[4] ?? '').split(',').filter((x) => x !== '');
    return [{ bdf: m[1] ?? '', id: `${m[2]}:${m[3]}`.toLowerCase(), msi: modes }];
  });
}

/** The CPU count of a kernel CPU list (`0-3`, `0,2-3`, `0`). */
export function countCpuList(list: string): number {
  return list
    .trim()
    .split(',')
    .filter((r) => r !== '')
    .reduce((n, r) => {
      const [a, b] = r.split('-').map(Number);
      return n + (b !== undefined && a !== undefined ? b - a + 1 : 1);
    }, 0);
}
