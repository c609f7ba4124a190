/**
 * Derives kernel-config/linux-6.1/menus.json from a real kernel tarball's Kconfig files: every symbol of
 * "Core Netfilter Configuration" (net/netfilter/Kconfig), "IP: Netfilter Configuration"
 * (net/ipv4/netfilter/Kconfig) and IPVS (net/netfilter/ipvs/Kconfig, the old "IP: Virtual Server
 * Configuration"), and which of them `profile: full` requests in each mode.
 *
 *   npx tsx kernel-config/derive-menus.ts [/usr/src/linux-source-6.1.tar.xz] [kernel-config/linux-6.1/menus.json]
 *
 * A prompted bool/tristate is in the full profile when its dependencies hold with the director base fragment
 * (kernel-config/base/director.json) plus the other full-profile symbols, everything else off (IPv6, bridging,
 * XFRM, cgroups, LEDs, audit, ipset...): the fixpoint below removes symbols whose `depends on` then fails and
 * records the unmet symbols as the reason. Symbols in kernel-config/full-exclude.json are left out by policy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseKconfigFile, type KconfigEntry } from '../src/stages/kernel/kconfig-lang.js';
import {
  evalKconfigExpr,
  exprSymbols,
  parseKconfigExpr,
  tristate,
} from '../src/stages/kernel/kconfig-expr.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const tarball = process.argv[2] ?? '/usr/src/linux-source-6.1.tar.xz';
const outFile = process.argv[3] ?? path.join(here, 'linux-6.1/menus.json');
const FILES: Record<string, string> = {
  'net/netfilter/Kconfig': 'Core Netfilter Configuration',
  'net/ipv4/netfilter/Kconfig': 'IP: Netfilter Configuration',
  'net/netfilter/ipvs/Kconfig': 'IP: Virtual Server Configuration',
};

const work = mkdtempSync(path.join(tmpdir(), 'derive-menus-'));
const top = execFileSync('tar', ['tJf', tarball], { maxBuffer: 1 << 30 })
  .toString()
  .split('\n')[0]!
  .split('/')[0]!;
execFileSync('tar', [
  'xJf',
  tarball,
  '-C',
  work,
  `${top}/Makefile`,
  ...Object.keys(FILES).map((f) => `${top}/${f}`),
]);
const makefile = readFileSync(path.join(work, top, 'Makefile'), 'utf8');
const mk = (k: string): string => new RegExp(`^${k} = (.*)$`, 'm').exec(makefile)?.[1]?.trim() ?? '';
const version = [mk('VERSION'), mk('PATCHLEVEL'), mk('SUBLEVEL')].filter((x) => x !== '').join('.');
const sha256 = execFileSync('sha256sum', [tarball]).toString().split(' ')[0]!;

const entries: (KconfigEntry & { menuTitle: string })[] = [];
for (const [file, title] of Object.entries(FILES)) {
  const parsed = parseKconfigFile(readFileSync(path.join(work, top, file), 'utf8'), file);
  for (const e of parsed.entries) entries.push({ ...e, menuTitle: title });
}
rmSync(work, { recursive: true, force: true });

const base = JSON.parse(readFileSync(path.join(here, 'base/director.json'), 'utf8')) as {
  lines: { symbol: string; value: string; if?: string }[];
};
const exclude = JSON.parse(readFileSync(path.join(here, 'full-exclude.json'), 'utf8')) as {
  symbols: Record<string, string>;
};

/** Which symbols the full profile keeps in one mode, and why each other prompted symbol is out. */
function solve(mode: 'module' | 'builtin'): { keep: Set<string>; out: Record<string, string> } {
  const want = mode === 'module' ? 'm' : 'y';
  const out: Record<string, string> = {};
  const keep = new Set<string>();
  for (const e of entries) {
    if (e.prompt === undefined || (e.type !== 'bool' && e.type !== 'tristate')) continue;
    if (exclude.symbols[e.symbol] !== undefined) out[e.symbol] = `excluded: ${exclude.symbols[e.symbol]}`;
    else keep.add(e.symbol);
  }
  const bySymbol = new Map(entries.map((e) => [e.symbol, e]));
  for (let round = 0; round < 50; round++) {
    const values = new Map<string, string>();
    for (const l of base.lines)
      if (l.if === undefined || l.if === mode) values.set(l.symbol, l.value === 'option' ? want : l.value);
    for (const s of keep) values.set(s, bySymbol.get(s)!.type === 'bool' ? 'y' : want);
    for (const s of keep) {
      for (const sel of bySymbol.get(s)!.selects) {
        if (tristate(values.get(sel.symbol)) < tristate(values.get(s)))
          values.set(sel.symbol, values.get(s)!);
      }
    }
    const lookup = (x: string): string | undefined => values.get(x);
    let changed = false;
    for (const s of [...keep]) {
      const e = bySymbol.get(s)!;
      const conds = [...e.depends, ...(e.promptIf ? [e.promptIf] : [])];
      const need = e.type === 'bool' ? 1 : tristate(want);
      const failing = conds.filter((c) => evalKconfigExpr(parseKconfigExpr(c), lookup) < need);
      if (failing.length > 0) {
        const unmet = failing
          .flatMap((c) => exprSymbols(parseKconfigExpr(c)))
          .filter((x) => tristate(values.get(x)) < need);
        out[s] =
          `depends on ${failing.join(' && ')} (off in a director: ${[...new Set(unmet)].join(', ') || 'value'})`;
        keep.delete(s);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { keep, out };
}

const module = solve('module');
const builtin = solve('builtin');
const menus: Record<string, string[]> = {};
const symbols: Record<string, unknown> = {};
for (const e of entries) {
  (menus[e.menuTitle] ??= []).push(e.symbol);
  symbols[e.symbol] = {
    type: e.type,
    ...(e.prompt !== undefined ? { prompt: e.prompt } : { hidden: true }),
    menu: e.menuTitle,
    ...(e.depends.length ? { depends: e.depends } : {}),
    ...(e.selects.length ? { selects: e.selects.map((s) => s.symbol) } : {}),
    ...(e.type === 'int' && e.defaults[0] ? { default: e.defaults[0].value } : {}),
    full: {
      module: module.keep.has(e.symbol) ? true : (module.out[e.symbol] ?? 'hidden or not bool/tristate'),
      builtin: builtin.keep.has(e.symbol) ? true : (builtin.out[e.symbol] ?? 'hidden or not bool/tristate'),
    },
  };
}
const doc = {
  $comment: `Generated by kernel-config/derive-menus.ts from ${path.basename(tarball)} (kernel ${version}); do not edit. 'full' says whether profile: full requests the symbol in each mode (true) or why not.`,
  kernel: version,
  tarball: path.basename(tarball),
  sha256,
  menus,
  symbols,
};
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(doc, null, 1) + '\n');
const count = (m: { keep: Set<string> }): number => m.keep.size;
console.log(
  `${outFile}: kernel ${version}, ${entries.length} symbols, full: ${count(module)} (module) / ${count(builtin)} (builtin)`,
);
