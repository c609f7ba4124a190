/**
 * The rootfs stage: gathers what a director's initramfs holds (skeleton, device nodes, busybox and its applet
 * links, ipvsadm, extra binaries, their shared libraries, kernel modules with their depmod files, /etc/modules,
 * the rendered files) into one sorted entry list for packInitramfs. Reading the host happens here; deciding
 * happens in the pure modules under ./rootfs/.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RootfsEntry } from '../lib/cpio.js';
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile } from '../context.js';
import { BuildError } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import { BUSYBOX_PATH, planBusyboxLinks } from './rootfs/busybox.js';
import { decompressModule } from './rootfs/decompress.js';
import { readNeeded } from './rootfs/elf.js';
import { parseLdd } from './rootfs/libs.js';
import { type Layer, mergeLayers } from './rootfs/merge.js';
import { type DepmodFiles, planModules } from './rootfs/modules.js';
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
}

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function hostFile(target: string, host: string, mode: number): Promise<RootfsEntry> {
  const real = await realpath(host);
  return { type: 'file', path: target, mode, data: { file: real, size: (await stat(real)).size } };
}

function locate(name: string): string {
  if (path.isAbsolute(name)) return name;
  const found = BIN_DIRS.map((d) => path.join(d, name)).find((p) => existsSync(p));
  if (found === undefined) {
    throw new BuildError(`extra binary ${name} is not on this host (looked in ${BIN_DIRS.join(', ')})`, {
      hint: 'install the Debian package that provides it (see .ci/apt-packages.txt)',
    });
  }
  return found;
}

async function binaryLayer(input: RootfsInput): Promise<Layer> {
  const extras = (input.extraBinaries ?? []).map(locate);
  const entries = [
    await hostFile(BUSYBOX_PATH, input.busybox, 0o755),
    await hostFile('/sbin/ipvsadm', input.ipvsadm.binary, 0o755),
    ...(await Promise.all(extras.map((p) => hostFile(p, p, 0o755)))),
  ];
  // Multi-call iptables loads its match/target plugins with dlopen; ldd cannot see them.
  const reals = await Promise.all(extras.map((p) => realpath(p)));
  const plugins = reals.some((r) => path.basename(r).startsWith('xtables-')) ? await xtablesPlugins() : [];
  const programs = [input.busybox, input.ipvsadm.binary, ...reals];
  const libs = new Set([...(await lddPaths(programs)), ...input.ipvsadm.libraries]);
  const extraLibs = await pluginLibraries(plugins, libs);
  for (const l of await lddPaths(extraLibs)) libs.add(l);
  for (const l of extraLibs) libs.add(l);
  entries.push(...(await Promise.all(plugins.map((p) => hostFile(p, p, 0o644)))));
  entries.push(...(await Promise.all([...libs].sort().map((l) => hostFile(l, l, 0o755)))));
  return { source: 'binaries and their libraries', rank: 2, entries };
}

async function lddPaths(files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  // ldd exits 1 when a file is static ("not a dynamic executable"); parseLdd still fails on "not found".
  const ldd = await run('ldd', files, { reject: false, timeoutMs: 60_000 });
  return parseLdd(ldd.stdout, files.join(', '));
}

// Where the loader looks without an ld.so.cache (Debian multiarch first).
const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/lib'];

/** Libraries the plugins need beyond `have`, found by DT_NEEDED (ldd on 100+ plugins takes seconds). */
async function pluginLibraries(plugins: string[], have: Set<string>): Promise<string[]> {
  const known = new Set([...have].map((l) => path.basename(l)));
  const wanted = new Set<string>();
  for (const p of plugins) {
    for (const name of readNeeded(await readFile(p)) ?? []) if (!known.has(name)) wanted.add(name);
  }
  return [...wanted].sort().map((name) => {
    const found = LIB_DIRS.map((d) => path.join(d, name)).find((f) => existsSync(f));
    if (found === undefined)
      throw new BuildError(`an iptables plugin needs ${name}, which is not in ${LIB_DIRS.join(', ')}`);
    return found;
  });
}

async function xtablesPlugins(): Promise<string[]> {
  const dir = ['/usr/lib/x86_64-linux-gnu/xtables', '/usr/lib/xtables'].find((d) => existsSync(d));
  if (dir === undefined)
    throw new BuildError('iptables is requested but its plugin folder (xtables) is missing on this host');
  return (await readdir(dir))
    .filter((f) => f.endsWith('.so'))
    .sort()
    .map((f) => path.join(dir, f));
}

async function moduleLayer(input: RootfsInput): Promise<Layer> {
  const etcModules = (load: string[]): RootfsEntry => ({
    type: 'file',
    path: '/etc/modules',
    mode: 0o644,
    data: Buffer.from(load.map((m) => `${m}\n`).join('')),
  });
  if (input.modules.length === 0) return { source: 'kernel modules', rank: 2, entries: [etcModules([])] };
  const { release, modulesRoot } = input.kernel;
  if (modulesRoot === undefined) {
    throw new BuildError(
      `the director needs modules (${input.modules.join(', ')}) but kernel ${release} has no modules folder`,
      {
        hint: 'build the kernel with the IPVS options as modules, or set them built in (=y) so no module is needed',
      },
    );
  }
  const dir = path.join(modulesRoot, 'lib/modules', release);
  const read = async (f: string): Promise<string | undefined> =>
    existsSync(path.join(dir, f)) ? readFile(path.join(dir, f), 'utf8') : undefined;
  const dep = await read('modules.dep');
  if (dep === undefined)
    throw new BuildError(`${dir}/modules.dep is missing`, { hint: 'run depmod for that kernel' });
  const files: DepmodFiles = { dep };
  for (const [key, name] of [
    ['softdep', 'modules.softdep'],
    ['alias', 'modules.alias'],
    ['builtin', 'modules.builtin'],
    ['order', 'modules.order'],
  ] as const) {
    const text = await read(name);
    if (text !== undefined) files[key] = text;
  }
  const plan = planModules(input.modules, files, dir);
  const target = `/lib/modules/${release}`;
  const entries: RootfsEntry[] = [etcModules(plan.load)];
  for (const f of plan.files) {
    const src = path.join(dir, f.source);
    const data =
      f.source === f.target ? { file: src, size: (await stat(src)).size } : await decompressModule(src);
    entries.push({ type: 'file', path: `${target}/${f.target}`, mode: 0o644, data });
  }
  for (const [name, text] of Object.entries(plan.depmod)) {
    entries.push({ type: 'file', path: `${target}/${name}`, mode: 0o644, data: Buffer.from(text) });
  }
  if (existsSync(path.join(dir, 'modules.builtin.modinfo'))) {
    entries.push(
      await hostFile(`${target}/modules.builtin.modinfo`, path.join(dir, 'modules.builtin.modinfo'), 0o644),
    );
  }
  return { source: `kernel modules (${dir})`, rank: 2, entries };
}

/** Collects every entry of a director's root filesystem, sorted, ready for packInitramfs. */
export async function assembleRootfs(input: RootfsInput): Promise<RootfsEntry[]> {
  const [binaries, modules] = await Promise.all([binaryLayer(input), moduleLayer(input)]);
  const applets = await run(input.busybox, ['--list-full'], { timeoutMs: 30_000 });
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
