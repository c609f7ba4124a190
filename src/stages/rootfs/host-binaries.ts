/**
 * The rootfs stage's host reads for programs: busybox, ipvsadm and extra binaries, their shared libraries
 * (ldd, plus ELF DT_NEEDED for iptables' dlopen'ed plugins). Read-only; the deciding is in libs.ts and elf.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RootfsEntry } from '../../lib/cpio.js';
import { BuildError } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import type { RootfsInput } from './types.js';
import { BUSYBOX_PATH } from './busybox.js';
import { readNeeded } from './elf.js';
import { parseLdd } from './libs.js';
import type { Layer } from './merge.js';

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A host file (symlinks followed) placed at `target`, read only when the archive streams. */
export async function hostFile(target: string, host: string, mode: number): Promise<RootfsEntry> {
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

/** Busybox, ipvsadm, extra binaries and every library they load. */
export async function binaryLayer(
  input: Pick<RootfsInput, 'busybox' | 'ipvsadm' | 'extraBinaries' | 'programs'>,
): Promise<Layer> {
  const extras = (input.extraBinaries ?? []).map(locate);
  const reals = await Promise.all(extras.map((p) => realpath(p)));
  // A multi-call program reached through symlinks (iptables-legacy* -> xtables-legacy-multi) keeps the host's
  // layout: one copy at its real path, each name a symlink to it (it acts on the name it is called by).
  const entries: RootfsEntry[] = [
    await hostFile(BUSYBOX_PATH, input.busybox, 0o755),
    await hostFile('/sbin/ipvsadm', input.ipvsadm.binary, 0o755),
    ...(await Promise.all((input.programs ?? []).map((p) => hostFile(p.path, p.binary, 0o755)))),
    ...(await Promise.all([...new Set(reals)].map((r) => hostFile(r, r, 0o755)))),
    ...extras.flatMap((p, i): RootfsEntry[] =>
      p === reals[i] ? [] : [{ type: 'symlink', path: p, target: reals[i]! }],
    ),
  ];
  // Multi-call iptables loads its match/target plugins with dlopen; ldd cannot see them.
  const plugins = reals.some((r) => path.basename(r).startsWith('xtables-')) ? await xtablesPlugins() : [];
  const programs = [input.busybox, input.ipvsadm.binary, ...reals];
  const libs = new Set([
    ...(await lddPaths(programs)),
    ...input.ipvsadm.libraries,
    ...(input.programs ?? []).flatMap((p) => p.libraries),
  ]);
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
