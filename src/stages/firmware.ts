/**
 * Stage: firmware and microcode for each director's image. The packages' .debs come from the source store
 * (src/stages/sources.ts, pinned in the lock) and are unpacked once into the cache; the files the image's
 * drivers declare (the kernel's modules.builtin.modinfo, each module's .modinfo) that the packages ship go to
 * /lib/firmware, the rest is named as left out; microcode becomes the initrd's first, uncompressed segment.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KernelArtifacts, StageIo } from '../context.js';
import type { RootfsEntry } from '../lib/cpio.js';
import { cacheKey, withCache } from '../lib/cache.js';
import { BuildError, InternalError } from '../lib/errors.js';
import { sha256File } from '../lib/fs.js';
import type { Spec } from '../spec/types.js';
import {
  cpuName,
  makeMicrocodeBlob,
  microcodeEntries,
  selectMicrocodeFiles,
  servedCpus,
  type MicrocodeBlob,
} from './firmware/microcode.js';
import { moduleFirmware, parseBuiltinModinfo, type DeclaredFirmware } from './firmware/modinfo.js';
import {
  firmwareChoices,
  loadFirmwarePackages,
  MICROCODE_VENDOR,
  planFirmware,
} from './firmware/packages.js';
import {
  firmwareEntries,
  firmwareManifest,
  firmwareWarnings,
  type FirmwareManifest,
  type UsedPackage,
} from './firmware/record.js';
import { mergeDeclared, selectFirmware, type ShippedFile } from './firmware/select.js';
import type { ProvidedSource } from './sources/origin.js';

/** A director's firmware: entries for the compressed image, the early segment, the manifest section. */
export interface DirectorFirmware {
  entries: RootfsEntry[];
  early: RootfsEntry[];
  manifest: FirmwareManifest;
}

/** Unpacks a stored .deb once per sha256 into the cache; returns the tree. */
async function unpackDeb(src: ProvidedSource, io: StageIo): Promise<string> {
  const entry = await withCache('firmware-deb', cacheKey(['v1', src.sha256]), async (tmp) => {
    await io.run('dpkg-deb', ['-x', src.path, path.join(tmp, 'tree')], { timeoutMs: 10 * 60 * 1000 });
  });
  return path.join(entry.dir, 'tree');
}

/** Every file under `dir` (recursively), relative names; symlinks resolved inside `root`. */
async function walk(root: string, dir: string, rel = ''): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = [];
  for (const n of (await readdir(path.join(dir, rel)).catch(() => [] as string[])).sort()) {
    const name = rel === '' ? n : `${rel}/${n}`;
    const p = path.join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) out.push(...(await walk(root, dir, name)));
    else if (st.isFile()) out.push({ name, path: p });
    else if (st.isSymbolicLink()) {
      const real = await realpath(p).catch(() => null);
      if (real?.startsWith(root + path.sep) === true && (await stat(real)).isFile())
        out.push({ name, path: real });
    }
  }
  return out;
}

/** The firmware modules in the image declare: read from the .ko entries of its root filesystem. */
async function declaredByModules(entries: readonly RootfsEntry[]): Promise<DeclaredFirmware> {
  const out: DeclaredFirmware = new Map();
  for (const e of entries) {
    if (e.type !== 'file' || !/^\/lib\/modules\/.+\.ko$/.test(e.path)) continue;
    const bytes = e.data instanceof Uint8Array ? e.data : await readFile(e.data.file);
    const files = moduleFirmware(bytes, e.path);
    if (files.length > 0) out.set(path.basename(e.path, '.ko').replace(/-/g, '_'), files);
  }
  return out;
}

function source(sources: Readonly<Record<string, ProvidedSource>>, pkg: string): ProvidedSource {
  const s = sources[pkg];
  if (s === undefined) throw new InternalError(`the sources step got no ${pkg} package`);
  return s;
}

function versionOf(s: ProvidedSource): string {
  return s.origin.kind === 'debian-deb' ? s.origin.version : 'unknown';
}

/** Each director's firmware (see the module comment), by hostname; io.log names what is left out and why. */
export async function provideFirmware(args: {
  spec: Spec;
  kernel: KernelArtifacts;
  rootfs: Readonly<Record<string, RootfsEntry[]>>;
  sources: Readonly<Record<string, ProvidedSource>>;
  io: StageIo;
}): Promise<Record<string, DirectorFirmware>> {
  const { spec, kernel, io } = args;
  const plan = planFirmware(spec);
  const { firmware: choice } = firmwareChoices(spec);
  const table = loadFirmwarePackages().packages;
  if (kernel.builtinModinfo === undefined && plan.nic.length > 0)
    throw new BuildError(
      `kernel ${kernel.release} has no modules.builtin.modinfo: the firmware its built-in drivers declare is unknown`,
      {
        hint: 'a prebuilt kernel: point kernel.prebuilt.modules at its full /lib/modules/<release> folder; or set hardware.firmware: none',
      },
    );
  const builtin =
    kernel.builtinModinfo !== undefined
      ? parseBuiltinModinfo(await readFile(kernel.builtinModinfo))
      : new Map<string, string[]>();
  const shipped = new Map<string, ShippedFile>();
  const trees = new Map<string, string>();
  for (const pkg of [...plan.nic, ...plan.microcode])
    trees.set(pkg, await unpackDeb(source(args.sources, pkg), io));
  for (const pkg of plan.nic) {
    const tree = trees.get(pkg) ?? '';
    for (const f of await walk(tree, path.join(tree, 'lib/firmware')))
      if (!shipped.has(f.name))
        shipped.set(f.name, { package: pkg, name: f.name, path: f.path, size: (await stat(f.path)).size });
  }
  const blobs: MicrocodeBlob[] = [];
  for (const pkg of plan.microcode) {
    const t = table[pkg];
    if (t?.role !== 'microcode') throw new InternalError(`${pkg} is not a microcode package`);
    const tree = trees.get(pkg) ?? '';
    const match = new RegExp(t.match);
    const all = (await walk(tree, path.join(tree, t.dir))).filter((f) => match.test(f.name));
    if (all.length === 0)
      throw new BuildError(
        `${pkg} ${versionOf(source(args.sources, pkg))} has no microcode under ${t.dir} matching ${t.match}`,
        { hint: 'fix hardware/firmware-packages.json for this version of the package' },
      );
    const { files, unserved } = selectMicrocodeFiles(MICROCODE_VENDOR[t.vendor], all, plan.microcodeCpus);
    if (unserved.length > 0)
      throw new BuildError(
        `hardware.microcode: ${pkg} ${versionOf(source(args.sources, pkg))} has no microcode for ${unserved.map(cpuName).join(', ')}`,
        {
          hint: `check the numbers against the machine's /proc/cpuinfo (decimal), or drop the entry; ${pkg} serves ${servedCpus(
            MICROCODE_VENDOR[t.vendor],
            all.map((f) => f.name),
          )}`,
        },
      );
    blobs.push(
      makeMicrocodeBlob(
        t.vendor,
        pkg,
        await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await readFile(f.path) }))),
      ),
    );
  }
  const out: Record<string, DirectorFirmware> = {};
  for (const [hostname, entries] of Object.entries(args.rootfs)) {
    const selection = selectFirmware(
      mergeDeclared(builtin, await declaredByModules(entries)),
      choice === 'none' ? new Map() : shipped,
    );
    const hashes = new Map<string, string>();
    for (const f of selection.files) hashes.set(f.name, await sha256File(f.path));
    const usedNames = [
      ...new Set([...selection.files.map((f) => f.package), ...blobs.map((b) => b.package)]),
    ].sort();
    const used: UsedPackage[] = [];
    for (const pkg of usedNames) {
      const src = source(args.sources, pkg);
      const rel = table[pkg]?.copyright ?? '';
      used.push({
        package: pkg,
        version: versionOf(src),
        sha256: src.sha256,
        copyright: { path: rel, bytes: await readFile(path.join(trees.get(pkg) ?? '', rel)) },
      });
    }
    const bytes = selection.files.reduce((n, f) => n + f.size, 0);
    io.log(
      `${hostname}: firmware ${selection.files.length} file(s), ${bytes} bytes; microcode ${blobs.map((b) => `${b.vendor}.bin ${b.bytes.length} bytes`).join(', ') || 'none'}`,
    );
    const manifest = firmwareManifest(choice, plan, selection, hashes, blobs, used);
    for (const w of firmwareWarnings(hostname, manifest)) io.log(`WARNING: ${w}`);
    out[hostname] = { entries: firmwareEntries(selection, used), early: microcodeEntries(blobs), manifest };
  }
  return out;
}
