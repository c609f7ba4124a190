/**
 * Reads a kernel tree's Kconfig files to find where symbols are defined. Follows `source` lines from the
 * top-level Kconfig so the enclosing `if`/`menu` conditions of the sourcing file are kept (e.g. net/Kconfig's
 * `if NETFILTER` around net/netfilter/Kconfig).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { joinContinuations, parseKconfigFile, type KconfigEntry } from './kconfig-lang.js';

/** Symbol → its `config` blocks (a symbol may be defined in several places), for the symbols asked. */
export function readKconfigEntries(
  treeDir: string,
  symbols: Iterable<string>,
  arch = 'x86',
): Map<string, KconfigEntry[]> {
  const wanted = new Set(symbols);
  const found = new Map<string, KconfigEntry[]>();
  const seen = new Set<string>();
  const visit = (rel: string, inherited: string[], depth: number): void => {
    if (depth > 40 || seen.has(rel)) return;
    const file = path.join(treeDir, rel);
    if (!existsSync(file)) return;
    seen.add(rel);
    const text = readFileSync(file, 'utf8');
    const parsed = parseKconfigFile(text, rel);
    for (const e of parsed.entries) {
      if (!wanted.has(e.symbol)) continue;
      const list = found.get(e.symbol) ?? [];
      list.push({ ...e, depends: [...e.depends, ...inherited] });
      found.set(e.symbol, list);
    }
    for (const src of sourcesWithConditions(text)) {
      const target = src.path.replace(/\$\(SRCARCH\)|\$SRCARCH/g, arch).replace(/\$\(HEADER_ARCH\)/g, arch);
      if (target.includes('$')) continue;
      visit(
        src.relative ? path.join(path.dirname(rel), target) : target,
        [...inherited, ...src.conds],
        depth + 1,
      );
    }
  };
  visit('Kconfig', [], 0);
  return found;
}

/** `source` lines with the `if`/`menu ... depends on` conditions around them. */
function sourcesWithConditions(text: string): { path: string; relative: boolean; conds: string[] }[] {
  const out: { path: string; relative: boolean; conds: string[] }[] = [];
  const stack: { conds: string[]; kind: string }[] = [];
  let menuOpen: { conds: string[]; kind: string } | undefined;
  for (const raw of joinContinuations(text.split('\n'))) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (word === 'if') stack.push({ conds: [arg], kind: 'if' });
    else if (word === 'menu') {
      menuOpen = { conds: [], kind: 'menu' };
      stack.push(menuOpen);
    } else if (word === 'choice') stack.push({ conds: [], kind: 'choice' });
    else if (word === 'endif' || word === 'endmenu' || word === 'endchoice') stack.pop();
    else if (word === 'depends' && rest[0] === 'on' && menuOpen) menuOpen.conds.push(rest.slice(1).join(' '));
    else if (word === 'config' || word === 'menuconfig' || word === 'comment') menuOpen = undefined;
    else if (word === 'source' || word === 'rsource' || word === 'osource') {
      out.push({
        path: arg.replace(/^"(.*)"$/, '$1'),
        relative: word === 'rsource',
        conds: stack.flatMap((f) => f.conds),
      });
      menuOpen = undefined;
    }
  }
  return out;
}
