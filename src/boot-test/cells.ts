/**
 * The boot matrix: every way a published director is booted, as data. A cell is a firmware (SeaBIOS, or UEFI from
 * Debian's OVMF, optionally with Secure Boot on) and a path: direct kernel boot, or a network boot served by
 * `lvs-image serve` (its dnsmasq picks the loader by client-arch and iPXE, which is what the cell tests). Pure.
 */
import type { BiosLoader, UefiLoader } from '../serve/dnsmasq-config.js';
import type { NicModel } from '../lib/qemu-args.js';

/** The firmware a cell boots under. */
export type CellFirmware = 'bios' | 'uefi' | 'uefi-secure';

/** What `--via` groups: direct kernel boot, PXE (TFTP first stage), UEFI HTTP boot. */
export type CellPath = 'direct' | 'pxe' | 'http';

/** What a hardware cell checks (src/boot-test/hardware-cells.json); `boot` is every check of a plain boot-test. */
export type HardwareCheck = 'boot' | 'cpus' | 'nics' | 'pci-order' | 'msix' | 'watchdog' | 'degraded';

/** A watchdog a cell adds (`device` null: the machine has it), the driver that must bind it, and where it binds. */
export interface WatchdogRow {
  device: string | null;
  driver: string;
  /** The sysfs folder of the bound driver and the names of its devices there (a shell glob). */
  bound: { dir: string; glob: string };
}

/** A hardware cell (src/boot-test/hardware-cells.ts): machine, NIC models and watchdog, and what it checks. */
export interface HardwareCell {
  /** The model of each interface, in the spec's name order (eth0, eth1, ...). */
  nics: NicModel[];
  /** `reversed`: the PCI slots hold the interfaces' NICs in the opposite order of their names. */
  pciOrder: 'names' | 'reversed';
  smp: number;
  /** The watchdog it adds and checks; null: none. */
  watchdog: WatchdogRow | null;
  checks: HardwareCheck[];
  /** The models whose driver the image must lack (the negative): their interfaces must not come up. */
  leftOut: NicModel[];
}

/** One cell of the matrix. */
export interface BootCell {
  id: string;
  firmware: CellFirmware;
  path: CellPath;
  /** Network cells: what `serve` hands BIOS and UEFI PXE clients. */
  loaders?: { bios: BiosLoader; uefi: UefiLoader };
  /**
   * The boot NIC: QEMU's e1000 with its iPXE ROM (BIOS: the ROM is iPXE, so DHCP sees option 175), or virtio-net
   * without a ROM, driven by OVMF's own PXE and HTTP boot (a vendor UEFI NIC: no option 175, client-arch 7 or 16).
   */
  nic: { model: NicModel; rom: boolean };
  /** The files the firmware and loaders fetch, in order (`<host>` is the director). */
  fetches: string[];
  /** A hardware cell: q35 with -smp N, the interfaces on given NIC models, a watchdog (direct boot, BIOS). */
  hardware?: HardwareCell;
  /** Set when the cell must fail, with what the failure must show. */
  mustFail?: { pattern: RegExp; why: string };
}

const E1000_ROM = { model: 'e1000', rom: true } as const;
const VIRTIO_NO_ROM = { model: 'virtio-net-pci', rom: false } as const;
const IPXE = { bios: 'ipxe', uefi: 'ipxe' } as const;
const SYSLINUX_GRUB = { bios: 'pxelinux', uefi: 'grub' } as const;
const KERNEL = ['<host>/<host>-kernel', '<host>/<host>-initrd.img'];

export const BOOT_CELLS: readonly BootCell[] = [
  { id: 'bios-direct', firmware: 'bios', path: 'direct', nic: E1000_ROM, fetches: [] },
  {
    id: 'bios-ipxe',
    firmware: 'bios',
    path: 'pxe',
    loaders: IPXE,
    nic: E1000_ROM,
    fetches: ['boot.ipxe (HTTP; the NIC ROM is iPXE)', '<host>.ipxe', ...KERNEL],
  },
  {
    id: 'bios-pxelinux',
    firmware: 'bios',
    path: 'pxe',
    loaders: SYSLINUX_GRUB,
    nic: E1000_ROM,
    fetches: ['pxelinux.0 (TFTP)', 'ldlinux.c32', 'pxelinux.cfg/01-<mac>', ...KERNEL],
  },
  { id: 'uefi-direct', firmware: 'uefi', path: 'direct', nic: VIRTIO_NO_ROM, fetches: [] },
  {
    id: 'uefi-ipxe',
    firmware: 'uefi',
    path: 'pxe',
    loaders: IPXE,
    nic: VIRTIO_NO_ROM,
    fetches: ['snponly.efi (TFTP)', 'boot.ipxe (HTTP)', '<host>.ipxe', ...KERNEL],
  },
  {
    id: 'uefi-grub',
    firmware: 'uefi',
    path: 'pxe',
    loaders: SYSLINUX_GRUB,
    nic: VIRTIO_NO_ROM,
    fetches: ['grubnetx64.efi (TFTP)', 'grub/grub.cfg', ...KERNEL],
  },
  {
    id: 'uefi-http',
    firmware: 'uefi',
    path: 'http',
    loaders: IPXE,
    nic: VIRTIO_NO_ROM,
    fetches: ['snponly.efi (HTTP boot: URL from DHCP)', 'boot.ipxe (HTTP)', '<host>.ipxe', ...KERNEL],
  },
  {
    id: 'uefi-secure-ipxe',
    firmware: 'uefi-secure',
    path: 'pxe',
    loaders: IPXE,
    nic: VIRTIO_NO_ROM,
    fetches: ['snponly.efi (TFTP): refused'],
    mustFail: {
      pattern: /Access Denied|Security Violation|ERROR: .*Verification|not authorized/i,
      why: 'Secure Boot refuses the unsigned snponly.efi (and an unsigned kernel): turn Secure Boot off, or see docs/output-layout.md',
    },
  },
];

/** `--firmware` choices. */
export const FIRMWARE_CHOICES: Record<string, readonly CellFirmware[]> = {
  bios: ['bios'],
  uefi: ['uefi'],
  'uefi-secure': ['uefi-secure'],
  all: ['bios', 'uefi'],
};

/** `--via` choices. */
export const PATH_CHOICES: Record<string, readonly CellPath[]> = {
  direct: ['direct'],
  pxe: ['pxe'],
  http: ['http'],
  both: ['direct', 'pxe'],
  all: ['direct', 'pxe', 'http'],
};

/** The cells `--firmware F --via V` select, in matrix order; empty when none fits (the caller says why). */
export function selectCells(firmware: readonly CellFirmware[], paths: readonly CellPath[]): BootCell[] {
  return BOOT_CELLS.filter((c) => firmware.includes(c.firmware) && paths.includes(c.path));
}
