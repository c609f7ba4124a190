/**
 * hardware/pci-ids.json, derived by hardware/derive-pci-ids.ts: per catalog module the PCI modalias rules of
 * Debian's 6.1 kernel, with pci.ids names. Read once; lookups are pure.
 */
import { readFileSync } from 'node:fs';
import { HARDWARE_DIR } from './catalog.js';
import { parsePciAlias, type PciAliasRule } from './modalias.js';

/** One PCI alias rule of a module and the pci.ids name of the device (and subsystem) it names. */
export interface PciAliasEntry {
  alias: string;
  name?: string;
}

/** What pci-ids.json says about one catalog module. */
export interface PciModuleEntry {
  /** The module whose PCI aliases bind the device, when it is not the catalog module itself. */
  via?: string;
  pci: PciAliasEntry[];
  /** Its aliases on other buses (virtio, vmbus, auxiliary), which lspci never shows. */
  bus?: string[];
}

/** hardware/pci-ids.json. */
export interface PciIdsData {
  $comment: string[];
  /** The kernel and pci.ids the file was derived from, with their sha256. */
  derivedFrom: Record<string, string>;
  /** pci.ids vendor names by 4-digit lower-case id. */
  vendors: Record<string, string>;
  modules: Record<string, PciModuleEntry>;
}

/** One parsed rule with the catalog module it loads. */
export interface PciModuleRule extends PciAliasEntry {
  module: string;
  via?: string;
  rule: PciAliasRule;
}

let loaded: PciIdsData | undefined;

/** hardware/pci-ids.json. */
export function loadPciIds(): PciIdsData {
  loaded ??= JSON.parse(readFileSync(HARDWARE_DIR + 'pci-ids.json', 'utf8')) as PciIdsData;
  return loaded;
}

/** Every PCI rule of the given data, parsed, each with its catalog module. */
export function pciRules(data: PciIdsData = loadPciIds()): PciModuleRule[] {
  return Object.entries(data.modules).flatMap(([module, entry]) =>
    entry.pci.map((a) => {
      const rule = parsePciAlias(a.alias) ?? {};
      return { ...a, module, ...(entry.via !== undefined ? { via: entry.via } : {}), rule };
    }),
  );
}

/** The file's text: 2-space JSON with each alias rule on one line, so that a re-derivation diffs by rule. */
export function formatPciIds(data: PciIdsData): string {
  return (
    JSON.stringify(data, null, 2).replace(
      /\{\n\s+"alias": ("[^"]*")(?:,\n\s+"name": ("(?:[^"\\]|\\.)*"))?\n\s+\}/g,
      (_m, alias: string, name: string | undefined) =>
        name === undefined ? `{ "alias": ${alias} }` : `{ "alias": ${alias}, "name": ${name} }`,
    ) + '\n'
  );
}
