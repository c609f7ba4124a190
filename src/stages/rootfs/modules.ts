/**
 * Kernel modules for the initramfs (pure): the closure of the requested modules over modules.dep and the
 * `pre:` soft dependencies of modules.softdep, in load order, plus trimmed copies of the depmod files so that
 * busybox `modprobe` works inside the image. Formats: depmod(8), modules.dep(5), modprobe.d(5).
 */
import { BuildError } from '../../lib/errors.js';

/** The depmod files of one kernel release, as text (absent files as undefined). */
export interface DepmodFiles {
  dep: string;
  softdep?: string;
  alias?: string;
  builtin?: string;
  order?: string;
}

/** A module to copy: its path in modules.dep (maybe compressed) and its path in the image (always `.ko`). */
export interface ModuleFile {
  name: string;
  source: string;
  target: string;
}

/** What planModules decided. */
export interface ModulePlan {
  /** Module names in load order, dependencies first: the contents of /etc/modules. */
  load: string[];
  files: ModuleFile[];
  /** Depmod files for the image, name (e.g. `modules.dep`) → content, trimmed to the modules included. */
  depmod: Record<string, string>;
}

const COMPRESSED = /\.ko(\.(xz|gz|zst))?$/;

/** `kernel/net/netfilter/ipvs/ip_vs.ko.xz` → `ip_vs`; dashes and underscores are the same to the kernel. */
export function moduleName(relPath: string): string {
  return (relPath.split('/').pop() ?? '').replace(COMPRESSED, '').replace(/-/g, '_');
}

function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** Parses modules.dep into name → [path, dependency paths]. */
function parseDep(text: string): Map<string, { path: string; deps: string[] }> {
  const map = new Map<string, { path: string; deps: string[] }>();
  for (const line of lines(text)) {
    const [mod, rest = ''] = line.split(':');
    if (mod === undefined) continue;
    map.set(moduleName(mod), { path: mod.trim(), deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  return map;
}

/** Parses `softdep MOD pre: A B post: C` lines into name → pre names. */
function parseSoftPre(text: string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of lines(text)) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'softdep' || words[1] === undefined) continue;
    let inPre = false;
    const pre: string[] = [];
    for (const w of words.slice(2)) {
      if (w === 'pre:' || w === 'post:') inPre = w === 'pre:';
      else if (inPre) pre.push(w);
    }
    const name = words[1].replace(/-/g, '_');
    map.set(name, [...(map.get(name) ?? []), ...pre]);
  }
  return map;
}

/**
 * Resolves a soft dependency (a module name or an alias such as `crc32c`) to one module. Among several
 * implementations the `_generic` one wins: the CPU-specific ones (crc32c_intel needs SSE4.2) fail to load on
 * QEMU's default CPU, which is the measured-here.md trap.
 */
function resolveSoft(
  want: string,
  dep: Map<string, unknown>,
  aliases: Map<string, string[]>,
): string | undefined {
  const name = want.replace(/-/g, '_');
  if (dep.has(name)) return name;
  const candidates = [...new Set(aliases.get(want) ?? [])].filter((c) => dep.has(c)).sort();
  return candidates.find((c) => c.endsWith('_generic')) ?? candidates[0];
}

function parseAliases(text: string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of lines(text)) {
    const [kw, alias, mod] = line.trim().split(/\s+/);
    if (kw !== 'alias' || alias === undefined || mod === undefined) continue;
    map.set(alias, [...(map.get(alias) ?? []), mod.replace(/-/g, '_')]);
  }
  return map;
}

/**
 * Plans the modules of an image: closure, load order, files and trimmed depmod files (pure). `carry` modules (NIC
 * drivers /init coldplugs by modalias) join the files and depmod files with their closure but not the load order.
 */
export function planModules(
  requested: readonly string[],
  files: DepmodFiles,
  where: string,
  carry: readonly string[] = [],
): ModulePlan {
  const dep = parseDep(files.dep);
  const soft = parseSoftPre(files.softdep);
  const aliases = parseAliases(files.alias);
  const builtin = new Set(lines(files.builtin).map(moduleName));
  // Modules in visiting order, dependencies first; cut into the load order and the carried rest below.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const s of soft.get(name) ?? []) {
      const m = resolveSoft(s, dep, aliases);
      if (m !== undefined) visit(m);
    }
    // modules.dep lists dependencies so that modprobe loads them last to first.
    for (const d of [...(dep.get(name)?.deps ?? [])].reverse()) visit(moduleName(d));
    order.push(name);
  };
  const unknown: string[] = [];
  const visitAll = (names: readonly string[]): void => {
    for (const want of names) {
      const name = want.replace(/-/g, '_');
      if (dep.has(name)) visit(name);
      else if (!builtin.has(name)) unknown.push(want);
    }
  };
  visitAll(requested);
  const load = order.splice(0);
  visitAll(carry);
  const carried = order.splice(0);
  if (unknown.length > 0) {
    throw new BuildError(
      `${where}/modules.dep: no module ${unknown.join(', ')} in this kernel, and not built in`,
      {
        hint: 'enable the module (=m or =y) in the kernel config, or remove the feature (or the hardware.nics family) that needs it from the spec',
      },
    );
  }
  const included = new Set([...load, ...carried]);
  const target = (p: string): string => p.replace(COMPRESSED, '.ko');
  const moduleFiles = [...load, ...carried].map((name) => ({
    name,
    source: dep.get(name)!.path,
    target: target(dep.get(name)!.path),
  }));
  const depLines = moduleFiles.map((f) =>
    `${f.target}: ${dep.get(f.name)!.deps.map(target).join(' ')}`.trimEnd(),
  );
  const keep = (text: string | undefined, pick: (line: string) => boolean): string =>
    lines(text)
      .filter(pick)
      .map((l) => `${l}\n`)
      .join('');
  const depmod: Record<string, string> = {
    'modules.dep': depLines.map((l) => `${l}\n`).join(''),
    'modules.softdep': keep(files.softdep, (l) =>
      included.has((l.trim().split(/\s+/)[1] ?? '').replace(/-/g, '_')),
    ),
    'modules.alias': keep(files.alias, (l) =>
      included.has((l.trim().split(/\s+/)[2] ?? '').replace(/-/g, '_')),
    ),
    'modules.order': keep(files.order, (l) => included.has(moduleName(l.trim()))).replace(
      /\.ko\.(xz|gz|zst)$/gm,
      '.ko',
    ),
    'modules.builtin': files.builtin ?? '',
  };
  return { load, files: moduleFiles, depmod };
}
