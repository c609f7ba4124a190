/**
 * Where a build publishes its files. The servable root of a site drops into tftpd-hpa, dnsmasq or nginx
 * unchanged. `out/<site>` is a symlink to the current release, replaced atomically; the release before it
 * is kept for rollback as `out/.releases/<site>.previous`.
 *
 *   out/<site>/                       servable root (TFTP and HTTP)
 *     pxelinux.0 ldlinux.c32          Debian pxelinux / syslinux-common
 *     undionly.kpxe snponly.efi       Debian ipxe, for chainloading iPXE (BIOS, UEFI)
 *     ipxe.efi                        Debian ipxe with its own NIC drivers (not handed out by serve)
 *     pxelinux.cfg/default            menu of every director
 *     pxelinux.cfg/01-<mac>           one per director MAC (lowercase, dashes)
 *     grub/grub.cfg                   UEFI GRUB netboot
 *     <hostname>.ipxe                 iPXE script per director
 *     <hostname>/<hostname>-kernel    kernel image
 *     <hostname>/<hostname>-initrd.img
 *     <hostname>/<hostname>-cmdline   kernel command line, one line
 *     <hostname>/manifest.json        sha256 of every file, versions, spec and lock hashes, build inputs
 *     <hostname>/state.json           what `lvs-image diff` compares: kernel options, IPVS table, rules, root files
 *     known_hosts                     every director's SSH host key, for ~/.ssh/known_hosts (with access.ssh)
 *     SHA256SUMS                      every file of the root
 */
import path from 'node:path';

/** Paths of one director's published files, relative to the site root. */
export function directorFiles(hostname: string): {
  kernel: string;
  initrd: string;
  cmdline: string;
  manifest: string;
  state: string;
  ipxe: string;
} {
  return {
    kernel: `${hostname}/${hostname}-kernel`,
    initrd: `${hostname}/${hostname}-initrd.img`,
    cmdline: `${hostname}/${hostname}-cmdline`,
    manifest: `${hostname}/manifest.json`,
    state: `${hostname}/state.json`,
    ipxe: `${hostname}.ipxe`,
  };
}

/** The site's known_hosts file (public host keys), relative to the site root. */
export const KNOWN_HOSTS = 'known_hosts';

/**
 * One known_hosts line: the hostname and each listen address (`[address]:port` off port 22), then the key. Pure.
 */
export function knownHostsLine(
  hostname: string,
  listen: readonly { address: string; port: number }[],
  publicKey: string,
): string {
  const names = listen.map((l) => (l.port === 22 ? l.address : `[${l.address}]:${l.port}`));
  return `${[hostname, ...names].join(',')} ${publicKey}\n`;
}

/** pxelinux's per-MAC config name: `01-` + MAC in lowercase with dashes. */
export function pxelinuxMacName(mac: string): string {
  return `01-${mac.toLowerCase().replace(/:/g, '-')}`;
}

/** The default output folder (git-ignored), relative to the working directory. */
export const DEFAULT_OUT_DIR = 'out';

/** The servable root of a site. */
export function siteRoot(outDir: string, site: string): string {
  return path.join(outDir, site);
}
