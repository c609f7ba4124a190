/**
 * Kernel stage: provides the kernel the image boots, from a source tarball (configured with the spec's
 * fragment, verified, built once per machine through the build cache) or a prebuilt kernel (checked against
 * the fragment). Steps are reported with their elapsed time; all command output goes to opts.logFile.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelArtifacts, StageIo } from '../context.js';
import { prebuiltPlatformModules } from '../hardware/selection.js';
import { BuildError, SpecError } from '../lib/errors.js';
import { DEFAULTS } from '../spec/defaults.js';
import type { Spec } from '../spec/types.js';
import { generateKernelFragment, type KernelFragment } from './kernel-config.js';
import { buildKernel } from './kernel/build.js';
import { configureKernel } from './kernel/configure.js';
import { readIpvsVersionCode } from './kernel/ipvs-version.js';
import { checkPrebuiltKernel } from './kernel/prebuilt.js';
import { extractKernelSource, parseMakefileVersion, type KernelSource } from './kernel/source.js';
import { provideSpecSource, type ProvidedSource } from './sources.js';
import { describeOrigin } from './sources/origin.js';

export { readIpvsVersionCode } from './kernel/ipvs-version.js';

/** Options of provideKernel. */
export interface ProvideKernelOptions {
  /** Every command and its output is appended here; errors name it. */
  logFile: string;
  /** make -j; default: the number of CPUs. */
  jobs?: number;
  /** Progress: called with `<step>…` when a step starts and `<step> <seconds> s` when it ends. */
  onStep?: (step: string) => void;
  /** The kernel source from the store (the build's sources step); provided here when absent. */
  source?: ProvidedSource;
  /** Folder relative source paths are resolved against. */
  specDir?: string;
  /** The spec's fragment when the build made it already (its kernel-config step); made here otherwise. */
  fragment?: KernelFragment;
}

/** The spec's kernel source through the store (a tree folder is used where it is). */
async function kernelSource(spec: Spec, io: StageIo, opts: ProvideKernelOptions): Promise<KernelSource> {
  const got = opts.source ?? (await provideSpecSource(spec, 'kernel', io, opts.specDir));
  if (got === undefined)
    throw new SpecError({
      pointer: '/kernel',
      message: 'the kernel needs either source or prebuilt',
      hint: 'add source: { debian: linux-source-6.1 } or prebuilt: { vmlinuz: /vmlinuz }',
    });
  return { file: got.path, isTree: got.isDirectory, sha256: got.sha256, origin: describeOrigin(got.origin) };
}

/** Default base config the fragment is merged onto (the loader fills it from the same table). */
const DEFAULT_BASE = DEFAULTS.kernelBase;

/** Returns a step runner that times each step and reports it. */
export function makeStepRunner(
  onStep?: (step: string) => void,
): (name: string, run: () => Promise<void>) => Promise<void> {
  return async (name, run) => {
    const started = Date.now();
    onStep?.(`${name}…`);
    await run();
    onStep?.(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
}

/** Builds or checks the spec's kernel and returns its artifacts (release, image, modules, config, IPVS version). */
export async function provideKernel(
  spec: Spec,
  io: StageIo,
  opts: ProvideKernelOptions,
): Promise<KernelArtifacts> {
  const step = makeStepRunner(opts.onStep);
  if (spec.kernel.prebuilt) {
    // A prebuilt kernel is checked for what the spec uses (profile minimal); `full` describes what to build.
    const needed = generateKernelFragment({ ...spec, kernel: { ...spec.kernel, profile: 'minimal' } });
    return checkPrebuiltKernel(
      spec.kernel.prebuilt,
      needed,
      io,
      { ...opts, step },
      prebuiltPlatformModules(spec),
    );
  }
  const fragment = opts.fragment ?? generateKernelFragment(spec);
  const src = await kernelSource(spec, io, opts);
  let treeDir = '';
  await step('extract', async () => {
    treeDir = await extractKernelSource(src, io, opts.logFile);
  });
  const treeVersion = parseMakefileVersion(await readFile(path.join(treeDir, 'Makefile'), 'utf8'));
  const want = spec.kernel.version;
  if (treeVersion !== want && !treeVersion.startsWith(`${want}.`)) {
    throw new BuildError(
      `the kernel source ${src.origin} is version ${treeVersion}, but kernel.version is ${want}`,
      {
        hint: `set kernel.version to ${treeVersion} or point kernel.source at a ${want} tree`,
      },
    );
  }
  const configured = await configureKernel({
    treeDir,
    sourceSha256: src.sha256,
    base: spec.kernel.base ?? DEFAULT_BASE,
    lines: fragment.lines,
    io,
    logFile: opts.logFile,
    onStep: step,
  });
  const built = await buildKernel({
    treeDir,
    configFile: configured.configFile,
    sourceSha256: src.sha256,
    io,
    logFile: opts.logFile,
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    step,
  });
  io.log(
    built.hit
      ? `kernel ${built.release}: cached build ${built.dir}`
      : `kernel ${built.release}: built into ${built.dir}`,
  );
  const ipvs = readIpvsVersionCode(treeDir);
  if (!ipvs)
    throw new BuildError(`no IP_VS_VERSION_CODE in ${treeDir}/include/{uapi/linux,linux,net}/ip_vs.h`, {
      logFile: opts.logFile,
    });
  return {
    release: built.release,
    image: built.image,
    // Modules exist for kernel.options module and for the NIC drivers the catalog keeps as modules.
    ...(built.modulesRoot !== undefined ? { modulesRoot: built.modulesRoot } : {}),
    config: built.config,
    builtinModinfo: built.builtinModinfo,
    ipvsVersionCode: ipvs.code,
    headersDir: treeDir,
    sourceSha256: src.sha256,
    origin: src.origin,
  };
}
