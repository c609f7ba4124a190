/**
 * The kernel and ipvsadm stages behind warm-rebuild memos (src/stage-memo.ts). The kernel's key: the spec's
 * kernel pin, the generated fragment, the source's sha256 (from the store), the compiler. ipvsadm's key: its
 * pin, its source's sha256, the kernel it was matched to, the compiler. Prebuilt kernels are checked every
 * time (milliseconds).
 */
import type { IpvsadmArtifacts, KernelArtifacts, StageIo } from './context.js';
import type { Spec } from './spec/types.js';
import { memoize } from './stage-memo.js';
import type { ProvidedSource } from './stages/sources.js';
import { provideIpvsadm } from './stages/ipvsadm.js';
import { provideKernel, type ProvideKernelOptions } from './stages/kernel.js';
import { generateKernelFragment } from './stages/kernel-config.js';

/** Bumped when what is remembered changes shape. */
const LAYOUT = 'v2';

/** provideKernel, remembered per input set (see the module comment). */
export async function provideKernelMemo(
  spec: Spec,
  io: StageIo,
  opts: ProvideKernelOptions & { specDir: string; compiler: string | undefined },
): Promise<KernelArtifacts> {
  const identity = spec.kernel.prebuilt === undefined ? opts.source?.sha256 : undefined;
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
  opts: {
    logFile: string;
    allowIpvsMismatch: boolean;
    specDir: string;
    compiler: string | undefined;
    source: ProvidedSource;
  },
): Promise<IpvsadmArtifacts> {
  const inputs = [
    LAYOUT,
    JSON.stringify(spec.ipvsadm),
    opts.source.sha256,
    JSON.stringify([kernel.release, kernel.ipvsVersionCode, kernel.sourceSha256, kernel.headersDir ?? '']),
    String(opts.allowIpvsMismatch),
    opts.compiler ?? '',
  ];
  const paths = (a: IpvsadmArtifacts) => [a.binary, ...a.libraries];
  return memoize('ipvsadm', inputs, paths, () => provideIpvsadm(spec, kernel, io, opts), io.log);
}
