/**
 * The rootfs stage: gathers what a director's initramfs holds (skeleton, device nodes, busybox and its applet
 * links, ipvsadm, extra binaries, their shared libraries, kernel modules with their depmod files, /etc/modules,
 * the rendered files) into one sorted entry list for packInitramfs. Reading the host happens here and in
 * ./rootfs/host-*.ts; deciding happens in the pure modules beside them.
 */
import type { RootfsEntry } from '../lib/cpio.js';
import { run } from '../lib/exec.js';
import { planBusyboxLinks } from './rootfs/busybox.js';
import { binaryLayer } from './rootfs/host-binaries.js';
import { moduleLayer } from './rootfs/host-modules.js';
import { type Layer, mergeLayers } from './rootfs/merge.js';
import { planSkeleton } from './rootfs/skeleton.js';
import type { RootfsInput } from './rootfs/types.js';

export type { BuiltProgram, RootfsInput } from './rootfs/types.js';

export type { RootfsEntry } from '../lib/cpio.js';

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
