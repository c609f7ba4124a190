/**
 * The build's steps, one function per listr2 task in src/pipeline.ts: each takes the results of the steps it
 * needs (typed: src/pipeline.ts does not compile when a step comes before what it needs), calls its stage and
 * returns its own result. Per-director and per-program loops live here so that task bodies stay one call.
 */
import { appendFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { After, BuildResults, BuiltPrograms } from './build-context.js';
import { rootfsFileStates } from './diff/state.js';
import { InternalError } from './lib/errors.js';
import { sha256, sha256File, writeFileAtomic } from './lib/fs.js';
import { PROGRAMS } from './packages/programs.js';
import { planImage } from './plan.js';
import { BUSYBOX, runPreflight } from './preflight.js';
import { loadSpec } from './spec/load.js';
import { secretsDirFor } from './stages/dropbear.js';
import { packInitramfs } from './stages/initramfs.js';
import { provideIpvsadm } from './stages/ipvsadm.js';
import { provideKernel } from './stages/kernel.js';
import { generateKernelFragment } from './stages/kernel-config.js';
import { checkLock, readLock } from './stages/lock.js';
import { providePreparedProgram } from './stages/program/provide.js';
import { makeSiteStaging, publishRelease } from './stages/publish.js';
import { releaseRecords } from './stages/publish/records.js';
import { emitPxeFiles, loadPxeTemplates } from './stages/pxe.js';
import { DEFAULT_TEMPLATES_DIR, renderFiles } from './stages/render.js';
import { assembleRootfs } from './stages/rootfs.js';
import { planSources, provideSources } from './stages/sources.js';
import { describeOrigin } from './stages/sources/origin.js';

const require = createRequire(import.meta.url);
const VERSION = (require('../package.json') as { version: string }).version;

/** The spec's folder (relative sources are resolved against it). */
const specDir = (c: After<'loaded'>): string => path.dirname(c.loaded.file);

/** Gate 1-3: parse, schema, rules (throws SpecError; nothing is written). */
export async function validateStep(c: After<never>): Promise<Pick<BuildResults, 'loaded'>> {
  const loaded = await loadSpec(c.options.specFile);
  for (const w of loaded.warnings) c.io.log(`warning: ${w.pointer ?? ''}: ${w.message}`);
  return { loaded };
}

/** The pure plan of the whole build. */
export function planStep(c: After<'loaded'>): Pick<BuildResults, 'plan'> {
  const overrides = c.options.epoch !== undefined ? { epoch: c.options.epoch } : {};
  return { plan: planImage(c.loaded.spec, overrides) };
}

/** Gate 4: host tools, bootloaders, output folder, local sources. */
export async function preflightStep(c: After<'loaded'>): Promise<Pick<BuildResults, 'host'>> {
  return { host: await runPreflight(c.loaded.spec, c.loaded.file, c.options.outDir, c.io.run) };
}

/** The lock file's hash for the manifest; with `--frozen`, the lock checked against the spec (no network). */
export async function lockStep(c: After<'loaded' | 'host'>): Promise<Pick<BuildResults, 'lock'>> {
  const sha = (await readLock(c.loaded.file))?.sha256;
  const frozen = c.options.frozen
    ? await checkLock(c.loaded.file, c.loaded.spec, c.io, c.host.compiler)
    : undefined;
  return { lock: { sha256: sha, frozen } };
}

/** Every source into the store (a frozen build: exactly the locked bytes), or one error before any work. */
export async function sourcesStep(c: After<'loaded' | 'lock'>): Promise<Pick<BuildResults, 'sources'>> {
  const requests = planSources(c.loaded.spec, specDir(c), c.lock.frozen);
  const sources = await provideSources(requests, c.io, {
    offline: c.options.offline,
    specFile: c.loaded.file,
  });
  for (const s of Object.values(sources))
    c.io.log(`${s.name}: ${describeOrigin(s.origin)} ${s.sha256.slice(0, 12)} (${s.via})`);
  return { sources };
}

/** Opens the build log in the output folder (the first write there). */
export async function logStep(c: After<'loaded' | 'sources'>): Promise<Pick<BuildResults, 'logFile'>> {
  const logFile = path.join(c.options.outDir, '.logs', `${c.loaded.spec.name}-build.log`);
  await mkdir(path.dirname(logFile), { recursive: true });
  await writeFile(logFile, `lvs-image ${VERSION} build ${c.loaded.file}\n`);
  for (const s of Object.values(c.sources))
    appendFileSync(
      logFile,
      `source ${s.name}: ${describeOrigin(s.origin)} sha256 ${s.sha256} ${s.path} (${s.via})\n`,
    );
  return { logFile };
}

/** The kernel config fragment, made once for the build and written to the log for the record. */
export function kernelConfigStep(c: After<'loaded' | 'logFile'>): Pick<BuildResults, 'fragment'> {
  const fragment = generateKernelFragment(c.loaded.spec);
  appendFileSync(
    c.logFile,
    `--- kernel config fragment (${fragment.era}, ${fragment.lines.length} lines) ---\n${fragment.text}\n`,
  );
  return { fragment };
}

/** The kernel, from the shared build cache (each of its steps caches its own answer) or built. */
export async function kernelStep(
  c: After<'loaded' | 'logFile' | 'sources' | 'fragment'>,
): Promise<Pick<BuildResults, 'kernel'>> {
  // A prebuilt kernel has no source.
  const source = c.sources.kernel !== undefined ? { source: c.sources.kernel } : {};
  const jobs = c.options.jobs !== undefined ? { jobs: c.options.jobs } : {};
  const opts = { logFile: c.logFile, onStep: c.io.log, specDir: specDir(c), fragment: c.fragment };
  return { kernel: await provideKernel(c.loaded.spec, c.io, { ...opts, ...source, ...jobs }) };
}

/** ipvsadm matched to the kernel's IPVS version, from the shared cache or built. */
export async function ipvsadmStep(
  c: After<'loaded' | 'logFile' | 'sources' | 'kernel'>,
): Promise<Pick<BuildResults, 'ipvsadm'>> {
  const source = c.sources.ipvsadm;
  if (source === undefined) throw new InternalError('the sources step got no ipvsadm source');
  const opts = {
    logFile: c.logFile,
    allowIpvsMismatch: c.options.allowIpvsMismatch,
    specDir: specDir(c),
    source,
  };
  return { ipvsadm: await provideIpvsadm(c.loaded.spec, c.kernel, c.io, opts) };
}

/**
 * Each program of the table the plan builds (src/packages/programs.ts); null for the others. They build side by
 * side: one's configure (single-threaded) overlaps another's make -j (keepalived, dropbear and busybox from source:
 * 55 s one after another on the 2-core CI machine).
 */
export async function programsStep(
  c: After<'loaded' | 'plan' | 'logFile' | 'sources'>,
): Promise<Pick<BuildResults, 'programs'>> {
  const site = {
    spec: c.loaded.spec,
    secretsDir: c.options.secretsDir ?? secretsDirFor(c.loaded.file, c.plan.site),
    io: c.io,
    logFile: c.logFile,
    specDir: specDir(c),
  };
  const provide = async (
    p: (typeof PROGRAMS)[number],
  ): Promise<[keyof BuiltPrograms, BuiltPrograms[keyof BuiltPrograms]]> => {
    const planned = c.plan[p.name];
    if (planned === null) {
      c.io.log(`no ${p.usedBy}: no ${p.title}`);
      return [p.name, null];
    }
    const source = c.sources[p.name];
    if (source === undefined) throw new InternalError(`the sources step got no ${p.name} source`);
    return [p.name, await providePreparedProgram(p, planned, { ...site, source }, planned.directors)];
  };
  const programs = Object.fromEntries(await Promise.all(PROGRAMS.map(provide)));
  return { programs: programs as BuiltPrograms };
}

/** Every director's configuration files from the templates. */
export function renderStep(c: After<'plan'>): Pick<BuildResults, 'rendered'> {
  const render = (d: (typeof c.plan.directors)[number]): [string, ReturnType<typeof renderFiles>] => [
    d.hostname,
    renderFiles(d.files, DEFAULT_TEMPLATES_DIR, c.options.templatesDir),
  ];
  return { rendered: Object.fromEntries(c.plan.directors.map(render)) };
}

/** The built programs check the rendered files of each director that runs them (keepalived -t). */
export async function configCheckStep(c: After<'plan' | 'programs' | 'rendered'>): Promise<object> {
  for (const p of PROGRAMS) {
    const built = c.programs[p.name];
    const on = c.plan[p.name]?.directors ?? [];
    if (p.checkRendered === undefined || built === null) continue;
    for (const d of c.plan.directors.filter((x) => on.includes(x.hostname)))
      await p.checkRendered(built, d.model, c.rendered[d.hostname] ?? [], c.io);
  }
  return {};
}

/** A fresh staging folder for the site root (stale ones of killed builds are removed). */
export async function stagingStep(c: After<never>): Promise<Pick<BuildResults, 'root'>> {
  return { root: await makeSiteStaging(c.options.outDir) };
}

/** Every director's root filesystem entries: the rendered files, and what each program it runs installs. */
export async function rootfsStep(
  c: After<'plan' | 'rendered' | 'kernel' | 'ipvsadm' | 'programs'>,
): Promise<Pick<BuildResults, 'rootfs'>> {
  const entries = await Promise.all(
    c.plan.directors.map(async (d) => {
      const runs = PROGRAMS.flatMap((p) => {
        const built = c.programs[p.name];
        return built !== null && c.plan[p.name]?.directors.includes(d.hostname) === true
          ? [{ p, built }]
          : [];
      });
      const secrets = await Promise.all(
        runs.map(async ({ p, built }) => (await p.secrets?.(built, d.model)) ?? []),
      );
      return assembleRootfs({
        hostname: d.hostname,
        rendered: c.rendered[d.hostname] ?? [],
        ipvsadm: c.ipvsadm,
        kernel: c.kernel,
        busybox: BUSYBOX,
        modules: d.modules,
        coldplug: d.coldplug,
        extraBinaries: d.extraBinaries,
        programs: runs.flatMap(({ p, built }) => p.installs(built)),
        secrets: secrets.flat(),
      });
    }),
  );
  return { rootfs: Object.fromEntries(c.plan.directors.map((d, i) => [d.hostname, entries[i] ?? []])) };
}

/** Every director's initrd, packed into the staging root. */
export async function initramfsStep(
  c: After<'plan' | 'root' | 'kernel' | 'rootfs' | 'firmware'>,
): Promise<object> {
  const kernelConfig = await readFile(c.kernel.config, 'utf8');
  const opts = { compression: c.plan.image.compression, epoch: c.plan.image.epoch, kernelConfig };
  for (const d of c.plan.directors) {
    const early = c.firmware[d.hostname]?.early ?? [];
    await packInitramfs(c.rootfs[d.hostname] ?? [], { ...opts, early }, path.join(c.root, d.outputs.initrd));
  }
  return {};
}

/** The kernel and command line per director, and the site's PXE/iPXE/GRUB files and bootloaders. */
export async function pxeStep(c: After<'plan' | 'root' | 'kernel'>): Promise<object> {
  for (const d of c.plan.directors) {
    await mkdir(path.join(c.root, d.hostname), { recursive: true });
    await copyFile(c.kernel.image, path.join(c.root, d.outputs.kernel));
    await writeFileAtomic(path.join(c.root, d.outputs.cmdline), `${d.cmdline}\n`);
  }
  const templates = await loadPxeTemplates(c.options.templatesDir);
  for (const f of emitPxeFiles(c.plan, templates)) {
    const dest = path.join(c.root, f.path);
    await mkdir(path.dirname(dest), { recursive: true });
    if ('source' in f) await copyFile(f.source, dest);
    else await writeFileAtomic(dest, f.content, f.mode);
  }
  return {};
}

/** The release records (src/stages/publish/records.ts) from the published files, then SHA256SUMS and the switch. */
export async function publishStep(
  c: After<
    | 'loaded'
    | 'plan'
    | 'host'
    | 'lock'
    | 'fragment'
    | 'kernel'
    | 'ipvsadm'
    | 'programs'
    | 'rendered'
    | 'root'
    | 'rootfs'
    | 'firmware'
  >,
): Promise<Pick<BuildResults, 'sha256' | 'published'>> {
  const outputs: Record<string, Record<string, string>> = {};
  const rootfsFiles: Record<string, Awaited<ReturnType<typeof rootfsFileStates>>> = {};
  for (const d of c.plan.directors) {
    const rels = [d.outputs.kernel, d.outputs.initrd, d.outputs.cmdline, d.outputs.ipxe];
    const hashes = await Promise.all(
      rels.map(async (r) => [r, await sha256File(path.join(c.root, r))] as const),
    );
    outputs[d.hostname] = Object.fromEntries(hashes);
    rootfsFiles[d.hostname] = await rootfsFileStates(c.rootfs[d.hostname] ?? []);
  }
  const records = releaseRecords({
    spec: c.loaded.spec,
    plan: c.plan,
    fragment: c.fragment,
    kernel: c.kernel,
    ipvsadm: c.ipvsadm,
    programs: c.programs,
    rendered: c.rendered,
    firmware: Object.fromEntries(Object.entries(c.firmware).map(([h, f]) => [h, f.manifest])),
    outputs,
    rootfsFiles,
    inputs: {
      specFile: path.basename(c.loaded.file),
      specSha256: c.loaded.sha256,
      lockSha256: c.lock.sha256,
      compiler: c.host.compiler,
      lvsImageVersion: VERSION,
    },
  });
  const hashes: Record<string, string> = {};
  for (const files of Object.values(outputs)) Object.assign(hashes, files);
  for (const r of records) {
    await writeFileAtomic(path.join(c.root, r.path), r.text);
    hashes[r.path] = sha256(r.text);
  }
  const published = await publishRelease(c.root, c.options.outDir, c.plan.site, c.options.keep);
  return { sha256: hashes, published };
}
