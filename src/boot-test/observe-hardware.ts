/**
 * The probes of a hardware cell, typed on the booted director's console (busybox ash): CPUs online, the network
 * interfaces with their PCI device and driver, every PCI device with its MSI/MSI-X vectors, the MSI lines of
 * /proc/interrupts, and the open watchdog devices. Their output is read by src/boot-test/hardware-checks.ts.
 */

/** The raw output of each hardware probe (absent: not run). */
export interface HardwareObservation {
  /** /sys/devices/system/cpu/online, then nproc. */
  cpus?: string;
  /** `NAME MAC IFINDEX DEVICE-PATH DRIVER` per interface with a device. */
  net?: string;
  /** `BDF VENDOR:DEVICE REVISION MSI-MODES` per PCI device (`-` without MSI vectors, else `msix,msix,`). */
  pci?: string;
  /** The MSI lines of /proc/interrupts. */
  interrupts?: string;
  /** `open COMM PID TARGET` per open watchdog file, `dev NAME DRIVER` per /sys/class/watchdog entry. */
  watchdog?: string;
}

// NOTE: `read` is an ash builtin; readlink -f resolves a virtio NIC's device to .../0000:00:03.0/virtio0.
const PROBES: Record<keyof HardwareObservation, string> = {
  cpus: 'cat /sys/devices/system/cpu/online; nproc',
  net:
    'for n in /sys/class/net/*; do [ -e "$n/device" ] || continue; ' +
    'echo "${n##*/} $(cat "$n/address") $(cat "$n/ifindex") $(readlink -f "$n/device") $(basename "$(readlink -f "$n/device/driver")")"; done',
  pci:
    'for d in /sys/bus/pci/devices/*; do m=; for f in "$d"/msi_irqs/*; do [ -e "$f" ] && m="$m$(cat "$f"),"; done; ' +
    'echo "${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $(cat "$d/revision") ${m:--}"; done',
  interrupts: 'grep MSI /proc/interrupts || true',
  watchdog:
    'for p in /proc/[0-9]*; do for f in "$p"/fd/*; do t=$(readlink "$f" 2>/dev/null); case "$t" in /dev/watchdog*) ' +
    'echo "open $(cat "$p/comm") ${p##*/} $t";; esac; done; done; for w in /sys/class/watchdog/*; do [ -e "$w" ] && ' +
    'echo "dev ${w##*/} $(basename "$(readlink -f "$w/device/driver")")"; done; true',
};

/** Runs every hardware probe through `run` (one console command each) and keeps what each printed. */
export async function observeHardware(
  run: (command: string) => Promise<string>,
): Promise<HardwareObservation> {
  const seen: HardwareObservation = {};
  for (const key of Object.keys(PROBES) as (keyof HardwareObservation)[]) seen[key] = await run(PROBES[key]);
  return seen;
}
