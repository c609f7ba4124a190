/**
 * The rootfs stage: gathers what a director's initramfs holds (skeleton, device nodes, busybox and its applet
 * links, ipvsadm, extra binaries, their shared libraries, kernel modules with their depmod files, /etc/modules,
 * the rendered files) into one sorted entry list for packInitramfs. Reading the host happens here and in
 * ./rootfs/host-*.ts; deciding happens in the pure modules beside them.
 */
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile } from '../context.js';
import type { RootfsEntry } from '../lib/cpio.js';
import { run } from '../lib/exec.js';
import { planBusyboxLinks } from './rootfs/busybox.js';
import { binaryLayer } from './rootfs/host-binaries.js';
import { moduleLayer } from './rootfs/host-modules.js';
import { type Layer, mergeLayers } from './rootfs/merge.js';
import { planSkeleton } from './rootfs/skeleton.js';

export type { RootfsEntry } from '../lib/cpio.js';

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

/** Collects every entry of a director's root filesystem, sorted, ready for packInitramfs. */
export async function assembleRootfs(input: RootfsInput): Promise<RootfsEntry[]> {
  const [binaries, modules, applets] = await Promise.all([
    binaryLayer(input),
    moduleLayer(input),
    run(input.busybox, ['--list-full'], { timeoutMs: 30_000 }),
  ]);
  const layers: Layer[] = [
    { source: 'skeleton', rank: 0, entries: planSkeleton() },
    {
      source: `busybox applets (${input.busybox} --list-full)`,
      rank: 1,
      entries: planBusyboxLinks(applets.stdout),
    },
    binaries,
    modules,
    {
      source: 'hostname',
      rank: 2,
      entries: [
        { type: 'file', path: '/etc/hostname', mode: 0o644, data: Buffer.from(`${input.hostname}\n`) },
      ],
    },
    { source: 'secrets folder', rank: 2, entries: input.secrets ?? [] },
    {
      source: 'rendered files',
      rank: 3,
      entries: input.rendered.map((f) => ({
        type: 'file' as const,
        path: f.path,
        mode: f.mode,
        data: Buffer.from(f.content),
      })),
    },
  ];
  return mergeLayers(layers);
}
