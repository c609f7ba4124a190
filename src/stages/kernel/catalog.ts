/**
 * The kernel-config/ data (features, base fragment, symbol lifespans, renames, per-era menu lists) and the
 * lookups the fragment generator makes on it. The files are package data, read once.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareKernelVersions, kernelAtLeast } from '../../lib/kernel-version.js';

/** kernel-config/ in the source tree or the installed package. */
export const KERNEL_CONFIG_DIR = fileURLToPath(new URL('../../../kernel-config/', import.meta.url));

/** One feature of features.json. */
export interface FeatureNeed {
  since: string;
  symbols: string[];
  source: string;
}

/** One line of base/director.json. */
export interface BaseLine {
  symbol: string;
  /** `y`, `m`, `n`, a number, or `option` (m or y per spec.kernel.options). */
  value: string;
  since: string;
  until?: string;
  if?: 'module' | 'ipip' | 'iptables' | 'daemons';
  /** `optional`: a prebuilt kernel may lack it (the check skips it). */
  prebuilt?: 'optional';
  reason: string;
}

/** One symbol of a menus.json (derived for 6.1, hand-written for 2.6.16 and 2.4). */
export interface MenuSymbol {
  type?: 'bool' | 'tristate' | 'int' | 'hex' | 'string';
  menu: string;
  hidden?: boolean;
  depends?: string[];
  selects?: string[];
  default?: string;
  full: { module: true | string; builtin: true | string };
}

/** A menus.json file: the menu titles with their symbols, in Kconfig order. */
export interface MenuCatalog {
  kernel: string;
  menus: Record<string, string[]>;
  symbols: Record<string, MenuSymbol>;
}

interface Era {
  id: string;
  from: string;
  until: string;
  ipvsDir: string;
  menus?: string;
  fullFrom?: string;
  fullUntil?: string;
}

interface Rename {
  symbol: string;
  from?: string;
  until: string;
  use: string[];
  reason: string;
}

/** When a symbol exists: `since` ≤ version < `until`. */
export interface Lifespan {
  since: string;
  until?: string;
  renamedTo?: string;
  source: string;
}

const cache = new Map<string, unknown>();
function readData<T>(name: string): T {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(KERNEL_CONFIG_DIR + name, 'utf8')));
  return cache.get(name) as T;
}

/** features.json: what each spec feature needs. */
export function loadFeatures(): Record<string, FeatureNeed> {
  return readData<{ features: Record<string, FeatureNeed> }>('features.json').features;
}

/** base/director.json lines that exist in `version`. */
export function loadBaseLines(version: string): BaseLine[] {
  return readData<{ lines: BaseLine[] }>('base/director.json').lines.filter((l) =>
    inRange(version, l.since, l.until),
  );
}

function inRange(version: string, from: string | undefined, until: string | undefined): boolean {
  return (
    (from === undefined || kernelAtLeast(version, from)) &&
    (until === undefined || compareKernelVersions(version, until) < 0)
  );
}

function symbolsData(): { eras: Era[]; renames: Rename[]; lifespans: Record<string, Lifespan> } {
  return readData('symbols.json');
}

/** The era (`2.4`, `2.6.16`, `2.6.28`, `4.19`, `6.x`) a version falls in, or undefined. */
export function eraOf(version: string): Era | undefined {
  return symbolsData().eras.find((e) => inRange(version, e.from, e.until));
}

/** The menu list profile: full uses for `version`, or undefined when none is catalogued for it. */
export function menuCatalogFor(version: string): MenuCatalog | undefined {
  const era = eraOf(version);
  if (!era?.menus || !inRange(version, era.fullFrom, era.fullUntil)) return undefined;
  return readData<MenuCatalog>(era.menus);
}

/** Versions that have a full-profile menu list, for error hints. */
export function fullProfileVersions(): string[] {
  return symbolsData().eras.flatMap((e) => (e.menus && e.fullFrom ? [e.fullFrom] : []));
}

/** The names `symbol` (a modern name) takes in `version`, with the reason when it differs. */
export function renameFor(version: string, symbol: string): { use: string[]; reason?: string } {
  const r = symbolsData().renames.find((x) => x.symbol === symbol && inRange(version, x.from, x.until));
  return r ? { use: r.use, reason: r.reason } : { use: [symbol] };
}

/** The catalogued lifespan of a symbol; undefined for symbols the catalog does not track. */
export function lifespanOf(symbol: string): Lifespan | undefined {
  return symbolsData().lifespans[symbol];
}

/** False only when the catalog knows the symbol and it does not exist in `version`. */
export function symbolExists(version: string, symbol: string): boolean {
  const life = lifespanOf(symbol);
  return life === undefined || inRange(version, life.since, life.until);
}
