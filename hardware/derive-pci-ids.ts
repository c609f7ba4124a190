/**
 * Derives hardware/pci-ids.json: for every module of the NIC catalog (hardware/nics.json) its PCI modalias rules
 * from a Debian kernel's modules.alias, with device and vendor names from pci.ids.
 *
 *   npx tsx hardware/derive-pci-ids.ts [MODULES_ALIAS] [PCI_IDS] [OUT]
 *
 * MODULES_ALIAS defaults to /lib/modules/<release>/modules.alias of the installed linux-image-amd64; PCI_IDS to
 * /usr/share/misc/pci.ids, or the pci.ids .deb (package pci.ids) which is read with dpkg-deb. Only `pci:` aliases
 * of the catalog's modules are kept; a module that binds no PCI id itself (virtio_net, mlx4_en, hv_netvsc) names
 * the module that does (VIA) and keeps its own bus aliases. derivePciIds is pure, so the test re-derives.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePciAlias } from '../src/hardware/modalias.js';
import {
  formatPciIds,
  type PciAliasEntry,
  type PciIdsData,
  type PciModuleEntry,
} from '../src/hardware/pci-ids.js';

/**
 * Catalog modules bound through another module: the PCI function is claimed by VIA's aliases and the catalog
 * module then attaches to what that one creates (a virtio device, an mlx4 port).
 */
export const VIA: Record<string, string> = {
  virtio_net: 'virtio_pci',
  mlx4_en: 'mlx4_core',
};

/** `alias <pattern> <module>` lines, grouped by module (as modules.alias spells it, `_` for `-`). */
export function parseModulesAlias(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^alias (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const list = out.get(m[2]!) ?? [];
    list.push(m[1]!);
    out.set(m[2]!, list);
  }
  return out;
}

/** pci.ids names: vendor `8086`, device `8086:100e`, subsystem `8086:100e 8086:001e` (lower-case hex). */
export function parsePciIds(text: string): Map<string, string> {
  const names = new Map<string, string>();
  let vendor = '';
  let device = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('C ')) break; // the class list follows the vendors
    let m = /^([0-9a-f]{4}) {2}(.+)$/.exec(line);
    if (m) {
      vendor = m[1]!;
      names.set(vendor, m[2]!);
      continue;
    }
    m = /^\t([0-9a-f]{4}) {2}(.+)$/.exec(line);
    if (m) {
      device = `${vendor}:${m[1]!}`;
      names.set(device, m[2]!);
      continue;
    }
    m = /^\t\t([0-9a-f]{4}) ([0-9a-f]{4}) {2}(.+)$/.exec(line);
    if (m) names.set(`${device} ${m[1]!}:${m[2]!}`, m[3]!);
  }
  return names;
}

/** The pci-ids.json content for `modules` from the two inputs' text; throws on a module without aliases. */
export function derivePciIds(
  modules: string[],
  aliasText: string,
  pciIdsText: string,
  derivedFrom: Record<string, string>,
): PciIdsData {
  const aliases = parseModulesAlias(aliasText);
  const names = parsePciIds(pciIdsText);
  const vendors: Record<string, string> = {};
  const out: Record<string, PciModuleEntry> = {};
  for (const module of [...modules].sort()) {
    const key = module.replace(/-/g, '_');
    const via = VIA[key];
    const own = aliases.get(key) ?? [];
    const pciPatterns = (via !== undefined ? (aliases.get(via) ?? []) : own).filter((a) =>
      a.startsWith('pci:'),
    );
    const pci = [...pciPatterns].sort().map((alias): PciAliasEntry => {
      const rule = parsePciAlias(alias);
      if (!rule) throw new Error(`${module}: alias ${alias} is not in file2alias's field shape`);
      if (rule.vendor !== undefined) vendors[rule.vendor] = names.get(rule.vendor) ?? '(not in pci.ids)';
      if (rule.vendor === undefined || rule.device === undefined) return { alias };
      const dev = `${rule.vendor}:${rule.device}`;
      const sub =
        rule.subvendor !== undefined && rule.subdevice !== undefined
          ? names.get(`${dev} ${rule.subvendor}:${rule.subdevice}`)
          : undefined;
      const name = [names.get(dev), sub].filter((n) => n !== undefined).join(' / ');
      return name === '' ? { alias } : { alias, name };
    });
    const bus = own.filter((a) => a.includes(':') && !a.startsWith('pci:')).sort();
    if (pci.length === 0 && bus.length === 0) throw new Error(`${module}: no alias in modules.alias`);
    out[module] = { ...(via !== undefined ? { via } : {}), pci, ...(bus.length > 0 ? { bus } : {}) };
  }
  const sortedVendors = Object.fromEntries(Object.entries(vendors).sort(([a], [b]) => a.localeCompare(b)));
  return {
    $comment: [
      'Derived data, do not edit: npx tsx hardware/derive-pci-ids.ts regenerates it.',
      "Per module of hardware/nics.json: its PCI modalias rules from the kernel's modules.alias (pci:v<vendor>d<device>sv<subvendor>sd<subdevice>bc<class>sc<subclass>i<prog-if>, * = any), each with the pci.ids name of the device it names; via = the module whose aliases claim the PCI function when the catalog module attaches behind it; bus = aliases on other buses (virtio, vmbus), which lspci never shows.",
    ],
    derivedFrom,
    vendors: sortedVendors,
    modules: out,
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readPciIds(file: string): Buffer {
  if (!file.endsWith('.deb')) return readFileSync(file);
  const tar = execFileSync('dpkg-deb', ['--fsys-tarfile', file], { maxBuffer: 1 << 26 });
  return execFileSync('tar', ['-xO', './usr/share/misc/pci.ids'], { input: tar, maxBuffer: 1 << 26 });
}

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const releases = readdirSync('/lib/modules');
  const release = /\/lib\/modules\/([^/]+)\//.exec(process.argv[2] ?? '')?.[1] ?? releases[0];
  if (process.argv[2] === undefined && releases.length !== 1)
    throw new Error(`several kernels in /lib/modules (${releases.join(', ')}): name MODULES_ALIAS`);
  const aliasFile = process.argv[2] ?? `/lib/modules/${release}/modules.alias`;
  const pciIdsFile = process.argv[3] ?? '/usr/share/misc/pci.ids';
  const outFile = process.argv[4] ?? path.join(here, 'pci-ids.json');
  const aliasBytes = readFileSync(aliasFile);
  const pciIdsBytes = readPciIds(pciIdsFile);
  const pciIdsText = pciIdsBytes.toString('utf8');
  const dpkg = (pkg: string): string =>
    execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg]).toString().trim();
  const derivedFrom = {
    kernel: `${release ?? '?'} (Debian linux-image-${release ?? '?'} ${release ? dpkg(`linux-image-${release}`) : '?'})`,
    modulesAlias: `/lib/modules/${release ?? '?'}/modules.alias`,
    modulesAliasSha256: sha256(aliasBytes),
    pciIds: `Debian pci.ids ${pciIdsFile.endsWith('.deb') ? execFileSync('dpkg-deb', ['-f', pciIdsFile, 'Version']).toString().trim() : dpkg('pci.ids')} (${/^#\s*Date:\s*(.+)$/m.exec(pciIdsText)?.[1]?.trim() ?? '?'})`,
    pciIdsSha256: sha256(pciIdsBytes),
  };
  const catalog = JSON.parse(readFileSync(path.join(here, 'nics.json'), 'utf8')) as {
    families: Record<string, { drivers: { module: string }[] }>;
  };
  const modules = Object.values(catalog.families).flatMap((f) => f.drivers.map((d) => d.module));
  const data = derivePciIds(modules, aliasBytes.toString('utf8'), pciIdsText, derivedFrom);
  writeFileSync(outFile, formatPciIds(data));
  const rules = Object.values(data.modules).reduce((n, m) => n + m.pci.length, 0);
  process.stderr.write(`${outFile}: ${modules.length} modules, ${rules} PCI alias rules (${release})\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
