/**
 * Parses `lspci -nn` output (and `lspci -nnk`, `lspci -nnv`: the indented Subsystem, Kernel driver in use and
 * Kernel modules lines) into PCI functions. Pure: the caller reads the file and names it in errors.
 */
import type { PciIdentity } from './modalias.js';

/** One PCI function of an lspci dump. */
export interface LspciDevice extends PciIdentity {
  /** `[domain:]bus:slot.func` as lspci printed it. */
  slot: string;
  /** lspci's class name, e.g. `Ethernet controller`. */
  className: string;
  /** lspci's vendor and device text (names from the pci.ids of the machine lspci ran on). */
  name: string;
  revision?: string;
  subsystemName?: string;
  /** `Kernel driver in use:` (lspci -k). */
  driverInUse?: string;
  /** `Kernel modules:` (lspci -k). */
  kernelModules?: string[];
  /** 1-based line of the device in the dump. */
  line: number;
}

/** The devices of a dump, and the lines that are neither a device nor one of its known detail lines. */
export interface LspciParse {
  devices: LspciDevice[];
  /** Unindented lines that do not have lspci -nn's shape, with their 1-based line numbers. */
  unparsed: { line: number; text: string }[];
}

// 3b:00.0 Ethernet controller [0200]: Intel Corporation Ethernet Controller X710 for 10GbE SFP+ [8086:1572] (rev 02)
const DEVICE =
  /^((?:[0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.+?) \[([0-9a-f]{4})\]: (.*?) ?\[([0-9a-f]{4}):([0-9a-f]{4})\]((?: \((?:rev [0-9a-f]{2}|prog-if [0-9a-f]{2}(?: \[[^\]]*\])?)\))*)$/i;
const SUBSYSTEM = /^\s+Subsystem: (.*?) ?\[([0-9a-f]{4}):([0-9a-f]{4})\]$/i;

/** Parses an lspci -nn (-nnk, -nnv) dump. */
export function parseLspci(text: string): LspciParse {
  const devices: LspciDevice[] = [];
  const unparsed: LspciParse['unparsed'] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const last = devices[devices.length - 1];
    if (/^\s/.test(line)) {
      if (last) readDetail(last, line);
      return;
    }
    const m = DEVICE.exec(line);
    if (!m) {
      unparsed.push({ line: i + 1, text: line });
      return;
    }
    const tail = m[7] ?? '';
    const device: LspciDevice = {
      slot: m[1]!,
      className: m[2]!,
      classCode: m[3]!.toLowerCase(),
      name: m[4]!,
      vendor: m[5]!.toLowerCase(),
      device: m[6]!.toLowerCase(),
      line: i + 1,
    };
    const rev = /\(rev ([0-9a-f]{2})\)/i.exec(tail)?.[1];
    if (rev !== undefined) device.revision = rev.toLowerCase();
    const progIf = /\(prog-if ([0-9a-f]{2})/i.exec(tail)?.[1];
    if (progIf !== undefined) device.progIf = progIf.toLowerCase();
    devices.push(device);
  });
  return { devices, unparsed };
}

function readDetail(device: LspciDevice, line: string): void {
  const sub = SUBSYSTEM.exec(line);
  if (sub) {
    device.subsystemName = sub[1]!;
    device.subvendor = sub[2]!.toLowerCase();
    device.subdevice = sub[3]!.toLowerCase();
    return;
  }
  const driver = /^\s+Kernel driver in use: (\S+)\s*$/.exec(line);
  if (driver) device.driverInUse = driver[1]!;
  const modules = /^\s+Kernel modules: (.+)$/.exec(line);
  if (modules) device.kernelModules = modules[1]!.split(',').map((m) => m.trim());
}

/** True for a network controller: PCI base class 02 (Ethernet 0200, Infiniband 0207, other 0280, ...). */
export function isNetworkController(device: PciIdentity): boolean {
  return device.classCode.startsWith('02');
}
