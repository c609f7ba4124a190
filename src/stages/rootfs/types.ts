/** What the root filesystem of one director is assembled from (the types of src/stages/rootfs.ts and its layers). */
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile } from '../../context.js';
import type { RootfsEntry } from '../../lib/cpio.js';

/** What assembleRootfs needs. */
export interface RootfsInput {
  hostname: string;
  rendered: RenderedFile[];
  ipvsadm: IpvsadmArtifacts;
  kernel: KernelArtifacts;
  /** Host path of a busybox binary (static, e.g. Debian's /bin/busybox from busybox-static). */
  busybox: string;
  /** Module names the director needs, e.g. ['ip_vs', 'ip_vs_lc']; empty when everything is built in. */
  modules: string[];
  /** Modules carried (with their closure and modules.alias) but not in /etc/modules: /init coldplugs them. */
  coldplug?: string[];
  /** More host programs, by name on PATH or absolute path, e.g. iptables-legacy-restore. */
  extraBinaries?: string[];
  /** Programs built from pinned source besides ipvsadm (keepalived, dropbear), each at its path in the image. */
  programs?: BuiltProgram[];
  /** Files that come from the secrets folder, not from the spec (the SSH host key). */
  secrets?: RootfsEntry[];
}

/** A program built from pinned source, placed at `path` with the shared libraries it needs (none when static). */
export interface BuiltProgram {
  path: string;
  binary: string;
  libraries: string[];
}
