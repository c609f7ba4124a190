/**
 * The kernel and ipvsadm stages behind warm-rebuild memos (src/stage-memo.ts). The kernel's key: the spec's
 * kernel pin, the generated fragment, the source tarball's size+mtime (or the pinned URL hash), the compiler.
 * ipvsadm's key: its pin, the kernel it was matched to, the compiler, and the apt lists' identity for a
 * Debian source (an `apt-get update` invalidates it). Prebuilt kernels are checked every time (milliseconds).
 */
import path from 'node:path';
import type { IpvsadmArtifacts, KernelArtifacts, StageIo } from './context.js';
import type { Spec } from './spec/types.js';
import { fileIdentity, memoize } from './stage-memo.js';
import { provideIpvsadm } from './stages/ipvsadm.js';
import { provideKernel, type ProvideKernelOptions } from './stages/kernel.js';
import { generateKernelFragment } from './stages/kernel-config.js';

/** Bumped when what is remembered changes shape. */
const LAYOUT = 'v1';

async function kernelSourceIdentity(spec: Spec, specDir: string): Promise<string | undefined> {
  const ref = spec.kernel.source;
  if (ref === undefined) return undefined;
  if ('url' in ref) return `url:${ref.sha256}`;
  return fileIdentity('debian' in ref ? `/usr/src/${ref.debian}.tar.xz` : path.resolve(specDir, ref.path));
}

/** provideKernel, remembered per input set (see the module comment). */
export async function provideKernelMemo(
  spec: Spec,
  io: StageIo,
  opts: ProvideKernelOptions & { specDir: string; compiler: string | undefined },
): Promise<KernelArtifacts> {
  const identity =
    spec.kernel.prebuilt === undefined ? await kernelSourceIdentity(spec, opts.specDir) : undefined;
  if (identity === undefined) return provideKernel(spec, io, opts);
  const inputs = [
    LAYOUT,
    JSON.stringify(spec.kernel),
    generateKernelFragment(spec).text,
    identity,
    opts.compiler ?? '',
  ];
  const paths = (k: KernelArtifacts) => [k.image, k.config, k.headersDir, k.modulesRoot];
  return memoize('kernel', inputs, paths, () => provideKernel(spec, io, opts), io.log);
}

/** provideIpvsadm, remembered per input set (see the module comment). */
export async function provideIpvsadmMemo(
  spec: Spec,
  kernel: KernelArtifacts,
  io: StageIo,
  opts: { logFile: string; allowIpvsMismatch: boolean; specDir: string; compiler: string | undefined },
): Promise<IpvsadmArtifacts> {
  const ref = spec.ipvsadm.source;
  const sourceIdentity =
    ref === undefined || 'url' in ref
      ? `catalog-or-url:${ref !== undefined && 'url' in ref ? ref.sha256 : ''}`
      : 'debian' in ref
        ? await fileIdentity('/var/lib/apt/lists')
        : await fileIdentity(path.resolve(opts.specDir, ref.path));
  const inputs = [
    LAYOUT,
    JSON.stringify(spec.ipvsadm),
    sourceIdentity,
    JSON.stringify([kernel.release, kernel.ipvsVersionCode, kernel.sourceSha256, kernel.headersDir ?? '']),
    String(opts.allowIpvsMismatch),
    opts.compiler ?? '',
  ];
  const paths = (a: IpvsadmArtifacts) => [a.binary, ...a.libraries];
  return memoize('ipvsadm', inputs, paths, () => provideIpvsadm(spec, kernel, io, opts), io.log);
}
