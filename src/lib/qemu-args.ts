/**
 * The QEMU command line for a director guest, as an argv array (never a shell string). Pure: no process is
 * started here; src/lib/qemu.ts runs it. Software emulation only (`-accel tcg`), never KVM.
 */

/** How a guest NIC reaches the world: nowhere but QEMU's own DHCP/TFTP, or a tap device made by the lab. */
export type NicBackend =
  /** QEMU user-mode networking, always `restrict=on`: the guest reaches only QEMU's built-in DHCP/TFTP. */
  | { kind: 'user'; tftpRoot?: string; bootfile?: string }
  /** A tap device that already exists (created by src/lib/netns.ts inside a lab namespace). */
  | { kind: 'tap'; ifname: string };

/** The QEMU 7.2 NIC models lvs-image boots (src/boot-test/hardware-cells.json: PCI id and what each cell checks). */
export type NicModel =
  'e1000' | 'e1000e' | 'rtl8139' | 'i82557b' | 'pcnet' | 'ne2k_pci' | 'tulip' | 'vmxnet3' | 'virtio-net-pci';

/** One guest NIC; the guest names them eth0, eth1, ... in this order (PCI slot order). */
export interface GuestNic {
  backend: NicBackend;
  mac?: string;
  /**
   * Default virtio-net-pci: every kernel lvs-image builds drives it (the base fragment; Debian's as a module), QEMU
   * ships its iPXE ROM, and its link is up at once. QEMU's e1000 models report carrier only after the driver's 2 s
   * watchdog, which /init's carrier wait then spends on every boot; the hardware matrix boots those models by name.
   */
  model?: NicModel;
  /** PXE-boot from this NIC (loads its iPXE option ROM and gives it boot priority). */
  boot?: boolean;
  /**
   * Load QEMU's iPXE option ROM on the boot NIC (default true). false: the firmware's own network stack boots it, as
   * on a server whose NIC has a vendor PXE ROM (OVMF drives virtio-net itself; it has no e1000 driver).
   */
  rom?: boolean;
}

/**
 * The firmware: SeaBIOS (QEMU's default), or UEFI from Debian's `ovmf` (two pflash drives: the code read-only and a
 * writable copy of a variable store). `secure`: the Secure Boot build with its enrolled keys, which needs SMM.
 */
export type Firmware =
  | { kind: 'bios' }
  | {
      kind: 'uefi';
      code: string;
      vars: string;
      secure?: boolean;
      /** Network boot by UEFI HTTP boot only: the firmware's PXE is switched off (OVMF's fw_cfg knob). */
      httpBoot?: boolean;
    };

/** Everything that decides the QEMU command line. */
export interface GuestSpec {
  /** Direct kernel boot: kernel image, initrd and command line. Absent for a network boot. */
  direct?: { kernel: string; initrd: string; append: string };
  nics: GuestNic[];
  /** Guest memory in MiB; 256 is what a director needs (measured-here.md). */
  memoryMb?: number;
  machine?: 'q35' | 'pc';
  /** Virtual CPUs (`-smp`); default 1. Under TCG each is a host thread (MTTCG). */
  smp?: number;
  /** Further `-device` values without NICs (a watchdog such as `i6300esb`). */
  devices?: string[];
  /** Default: BIOS. */
  firmware?: Firmware;
  /** Shown in `ps` and in QEMU's messages. */
  name?: string;
  /** Where the guest's real-time clock starts, e.g. `2020-01-01T00:00:00` (UTC); default: the host's time. */
  rtcBase?: string;
}

/** The QEMU binary lvs-image runs. */
export const QEMU_BINARY = 'qemu-system-x86_64';

/** Rejects values that would let a comma smuggle another option into a `-netdev`/`-device` list. */
function optionValue(what: string, value: string): string {
  if (value.includes(',')) throw new Error(`${what} must not contain a comma: ${value}`);
  return value;
}

function netdevArgs(id: string, backend: NicBackend): string {
  if (backend.kind === 'tap') {
    return `tap,id=${id},ifname=${optionValue('tap name', backend.ifname)},script=no,downscript=no`;
  }
  // NOTE: restrict=on isolates the guest from the host's network; QEMU's DHCP and TFTP still answer.
  let value = `user,id=${id},restrict=on`;
  if (backend.tftpRoot !== undefined) value += `,tftp=${optionValue('TFTP root', backend.tftpRoot)}`;
  if (backend.bootfile !== undefined) value += `,bootfile=${optionValue('boot file', backend.bootfile)}`;
  return value;
}

function deviceArgs(id: string, nic: GuestNic, index: number): string {
  let value = `${nic.model ?? 'virtio-net-pci'},netdev=${id}`;
  if (nic.mac !== undefined) value += `,mac=${optionValue('MAC', nic.mac)}`;
  // An empty romfile skips the iPXE option ROM: faster firmware, and only the boot NIC offers PXE.
  value += nic.boot === true ? `,bootindex=${index + 1}${nic.rom === false ? ',romfile=' : ''}` : ',romfile=';
  return value;
}

/** Builds the argv (without the binary) that boots `spec` with the serial console on stdin/stdout. */
export function buildQemuArgs(spec: GuestSpec): string[] {
  const fw = spec.firmware ?? { kind: 'bios' };
  const secure = fw.kind === 'uefi' && fw.secure === true;
  if (secure && spec.machine === 'pc') throw new Error('Secure Boot firmware needs the q35 machine (SMM)');
  const args = [
    '-machine',
    `${spec.machine ?? 'q35'}${secure ? ',smm=on' : ''}`,
    '-accel',
    'tcg',
    '-m',
    String(spec.memoryMb ?? 256),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-no-user-config',
    '-nodefaults',
  ];
  if (spec.smp !== undefined) {
    if (!Number.isInteger(spec.smp) || spec.smp < 1)
      throw new Error(`-smp must be a whole number >= 1: ${spec.smp}`);
    args.push('-smp', String(spec.smp));
  }
  for (const device of spec.devices ?? []) args.push('-device', optionValue('device', device));
  if (spec.name !== undefined) args.push('-name', optionValue('guest name', spec.name));
  if (spec.rtcBase !== undefined) args.push('-rtc', `base=${optionValue('RTC base', spec.rtcBase)}`);
  if (fw.kind === 'uefi') {
    if (secure) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
    args.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${optionValue('firmware code', fw.code)}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${optionValue('firmware variables', fw.vars)}`,
    );
    if (fw.httpBoot === true)
      args.push(
        '-fw_cfg',
        'name=opt/org.tianocore/IPv4PXESupport,string=n',
        '-fw_cfg',
        'name=opt/org.tianocore/IPv6PXESupport,string=n',
      );
  }
  if (spec.direct !== undefined) {
    args.push('-kernel', spec.direct.kernel, '-initrd', spec.direct.initrd, '-append', spec.direct.append);
  } else {
    if (!spec.nics.some((n) => n.boot === true))
      throw new Error('a network boot needs a NIC with boot: true');
    args.push('-boot', 'order=n');
  }
  if (spec.nics.length === 0) args.push('-nic', 'none');
  spec.nics.forEach((nic, i) => {
    args.push('-netdev', netdevArgs(`n${i}`, nic.backend), '-device', deviceArgs(`n${i}`, nic, i));
  });
  return args;
}
