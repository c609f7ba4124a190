/**
 * The build's firmware step (src/pipeline.ts): each director's firmware and microcode from the stored packages
 * (src/stages/firmware.ts), merged into its root filesystem; the early microcode segment and the manifest
 * section are kept for the initramfs and publish steps.
 */
import type { After, BuildResults } from './build-context.js';
import { provideFirmware } from './stages/firmware.js';
import { mergeLayers } from './stages/rootfs/merge.js';

/** Firmware into every director's root filesystem (a layer of its own: a clash with another input is an error). */
export async function firmwareStep(
  c: After<'loaded' | 'kernel' | 'rootfs' | 'sources'>,
): Promise<Pick<BuildResults, 'rootfs' | 'firmware'>> {
  const firmware = await provideFirmware({
    spec: c.loaded.spec,
    kernel: c.kernel,
    rootfs: c.rootfs,
    sources: c.sources,
    io: c.io,
  });
  const rootfs = Object.fromEntries(
    Object.entries(c.rootfs).map(([host, entries]) => [
      host,
      mergeLayers([
        { source: 'root filesystem', rank: 0, entries },
        { source: 'firmware packages', rank: 0, entries: firmware[host]?.entries ?? [] },
      ]),
    ]),
  );
  return { rootfs, firmware };
}
