/**
 * The probes of a hardware cell, typed on the booted director's console (busybox ash): CPUs online, the network
 * interfaces with their PCI device and driver, every PCI device with its MSI/MSI-X vectors, the MSI lines of
 * /proc/interrupts, and the open watchdog devices. Their output is read by src/boot-test/hardware-checks.ts.
 */
import type { WatchdogRow } from './cells.js';

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
  /**
   * `open COMM PID TARGET` per open watchdog file, `dev NAME [DRIVER]` per /sys/class/watchdog entry (the driver of
   * its parent device, when it has one), `bound DEVICE` per device the cell's watchdog driver is bound to.
   */
  watchdog?: string;
}

// NOTE: readlink -f resolves a virtio NIC's device to .../0000:00:03.0/virtio0.
const PROBES: Record<Exclude<keyof HardwareObservation, 'watchdog'>, string> = {
  cpus: 'cat /sys/devices/system/cpu/online; nproc',
  net:
    'for n in /sys/class/net/*; do [ -e "$n/device" ] || continue; ' +
    'echo "${n##*/} $(cat "$n/address") $(cat "$n/ifindex") $(readlink -f "$n/device") $(basename "$(readlink -f "$n/device/driver")")"; done',
  pci:
    'for d in /sys/bus/pci/devices/*; do m=; for f in "$d"/msi_irqs/*; do [ -e "$f" ] && m="$m$(cat "$f"),"; done; ' +
    'echo "${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $(cat "$d/revision") ${m:--}"; done',
  interrupts: 'grep MSI /proc/interrupts || true',
};

/** The watchdog probe: who holds a watchdog open, the watchdog devices, where `bound` says the driver binds. */
export function watchdogProbe(bound: WatchdogRow['bound']): string {
  if (/["$`\\]/.test(bound.dir) || /["$`\\\s]/.test(bound.glob))
    throw new Error(`watchdog sysfs path must not need quoting: ${bound.dir}/${bound.glob}`);
  return (
    'for p in /proc/[0-9]*; do for f in "$p"/fd/*; do t=$(readlink "$f" 2>/dev/null); case "$t" in /dev/watchdog*) ' +
    'echo "open $(cat "$p/comm") ${p##*/} $t";; esac; done; done; for w in /sys/class/watchdog/*; do [ -e "$w" ] && ' +
    'echo "dev ${w##*/} $([ -e "$w/device/driver" ] && basename "$(readlink -f "$w/device/driver")")"; done; ' +
    `for x in "${bound.dir}"/${bound.glob}; do [ -e "$x" ] && echo "bound \${x##*/}"; done; true`
  );
}

/** Runs every hardware probe through `run` (one console command each) and keeps what each printed. */
export async function observeHardware(
  run: (command: string) => Promise<string>,
  watchdog: WatchdogRow | null,
): Promise<HardwareObservation> {
  const seen: HardwareObservation = {};
  for (const key of Object.keys(PROBES) as (keyof typeof PROBES)[]) seen[key] = await run(PROBES[key]);
  if (watchdog !== null) seen.watchdog = await run(watchdogProbe(watchdog.bound));
  return seen;
}
