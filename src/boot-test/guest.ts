/** How a published director is booted in QEMU, by direct kernel boot or by PXE. Pure. */
import path from 'node:path';
import { directorFiles } from '../layout.js';
import type { GuestNic, GuestSpec } from '../lib/qemu-args.js';

/** The two ways a boot test starts a director. */
export type BootVia = 'direct' | 'pxe';

/** A director NIC as the guest gets it; order = eth0, eth1, ... */
export interface GuestInterface {
  name: string;
  mac?: string;
  /** The NIC that PXE-boots (default: the first). */
  boot?: boolean;
}

/** Inputs of `guestSpecFor`: where the published files are, and the command line read from `<host>-cmdline`. */
export interface GuestPlanInput {
  siteRoot: string;
  hostname: string;
  interfaces: GuestInterface[];
  cmdline: string;
}

function nics(input: GuestPlanInput, via: BootVia): GuestNic[] {
  const bootIndex = Math.max(
    0,
    input.interfaces.findIndex((i) => i.boot === true),
  );
  return input.interfaces.map((iface, i) => {
    const boot = via === 'pxe' && i === bootIndex;
    // NOTE: every NIC is user-mode with restrict=on: the guest can reach QEMU's DHCP/TFTP and nothing else.
    const backend = boot
      ? {
          kind: 'user' as const,
          tftpRoot: path.resolve(input.siteRoot),
          bootfile: directorFiles(input.hostname).ipxe,
        }
      : { kind: 'user' as const };
    return { backend, ...(iface.mac !== undefined ? { mac: iface.mac } : {}), ...(boot ? { boot } : {}) };
  });
}

/** Per boot path, what QEMU gets besides the NICs. */
const BOOT_PATHS: Record<BootVia, (input: GuestPlanInput) => Pick<GuestSpec, 'direct'>> = {
  direct: (input) => {
    const files = directorFiles(input.hostname);
    return {
      direct: {
        kernel: path.join(input.siteRoot, files.kernel),
        initrd: path.join(input.siteRoot, files.initrd),
        append: input.cmdline.trim(),
      },
    };
  },
  // QEMU's iPXE asks QEMU's DHCP, which names <hostname>.ipxe; the script loads kernel and initrd by relative path.
  pxe: () => ({}),
};

/** The QEMU guest that boots `input` by `via`. */
export function guestSpecFor(input: GuestPlanInput, via: BootVia): GuestSpec {
  const interfaces = input.interfaces.length > 0 ? input.interfaces : [{ name: 'eth0' }];
  const withNics = { ...input, interfaces };
  return { name: `${input.hostname}-${via}`, ...BOOT_PATHS[via](withNics), nics: nics(withNics, via) };
}
