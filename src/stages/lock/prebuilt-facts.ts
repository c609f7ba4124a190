/**
 * Lock facts for a prebuilt kernel (spec kernel.prebuilt): the image's sha256, its release from the bzImage
 * setup header, and the IPVS version documented for that series (a built image does not carry the header).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../../lib/fs.js';
import type { PrebuiltKernel } from '../../spec/types.js';
import { documentedKernelIpvsCode } from '../ipvsadm/ipvs-version.js';
import type { KernelFacts } from './kernel-facts.js';
import type { LockedSource } from './lock-file.js';

/**
 * The release a bzImage announces (`6.1.0-56-amd64`), from the x86 boot protocol setup header: "HdrS" at 0x202,
 * the kernel_version pointer at 0x20e, the string at pointer + 0x200 (Documentation/x86/boot.rst). Pure.
 */
export function readBzImageRelease(image: Uint8Array): string | null {
  const b = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (b.length < 0x210 || b.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
  const at = b.readUInt16LE(0x20e) + 0x200;
  if (at >= b.length) return null;
  const end = b.indexOf(0, at);
  const text = b.toString('latin1', at, end === -1 ? Math.min(b.length, at + 256) : end);
  return /^\S+/.exec(text)?.[0] ?? null;
}

/** Facts about a prebuilt kernel image and the image itself as the lock pins it; see the module comment. */
export async function readPrebuiltKernelFacts(
  prebuilt: PrebuiltKernel,
  baseDir = '.',
): Promise<KernelFacts & { source: LockedSource }> {
  const image = path.resolve(baseDir, prebuilt.vmlinuz);
  const origin = { kind: 'path' as const, path: prebuilt.vmlinuz };
  if (!existsSync(image)) {
    const unknown = [`kernel: prebuilt image ${image} is not on this machine`];
    const source = { file: path.basename(image), sha256: null, size: null, origin };
    return { source, release: null, ipvsVersionCode: null, ipvsVersionFrom: null, unknown };
  }
  const bytes = await readFile(image);
  const release = readBzImageRelease(bytes);
  const series = /^\d+\.\d+(?:\.\d+)?/.exec(release ?? '')?.[0];
  const doc = series !== undefined ? documentedKernelIpvsCode(series) : null;
  return {
    source: { file: path.basename(image), sha256: sha256(bytes), size: bytes.length, origin },
    release,
    ipvsVersionCode: doc?.code ?? null,
    ipvsVersionFrom: doc
      ? `documented for ${series ?? ''} (${doc.source}); a built image carries no header`
      : null,
    unknown: [
      ...(release === null ? [`kernel: ${image} has no bzImage version string`] : []),
      ...(doc === null ? ['kernel: IPVS version unknown for this prebuilt kernel'] : []),
    ],
  };
}
