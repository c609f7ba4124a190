/**
 * Checks every requested fragment symbol against the final .config after olddefconfig, and explains a dropped
 * one with the `depends on` the kernel's own Kconfig gives it (and which of its symbols are off). Pure.
 */
import { checkKconfigValue, type KconfigValues } from '../../lib/kconfig.js';
import { evalKconfigExpr, exprSymbols, parseKconfigExpr, tristate } from './kconfig-expr.js';
import type { KconfigEntry } from './kconfig-lang.js';

/** A requested symbol that did not survive olddefconfig. */
export interface DroppedOption {
  symbol: string;
  requested: string;
  final: string;
  /** The `depends on` lines that do not hold in the final config, e.g. `IPV6 = y || IP_VS = IPV6`. */
  unmet: string[];
  /** Symbols of those lines and their final values, e.g. `IPV6=n`. */
  offSymbols: string[];
  /** Where the symbol is defined, e.g. `net/netfilter/ipvs/Kconfig:27`; absent when no Kconfig defines it. */
  definedAt?: string;
  hidden: boolean;
}

/** Compares requested values with the final config; `entries` maps symbols to their Kconfig blocks. */
export function findDroppedOptions(
  requested: readonly { symbol: string; value: string }[],
  final: KconfigValues,
  entries: ReadonlyMap<string, KconfigEntry[]>,
): DroppedOption[] {
  const lookup = (s: string): string | undefined => final.get(s);
  const dropped: DroppedOption[] = [];
  for (const { symbol, value } of requested) {
    const got = final.get(symbol);
    const check = checkKconfigValue(value, got);
    if (check === 'kept' || check === 'raised') continue;
    const blocks = entries.get(symbol) ?? [];
    const need = value === 'y' ? 2 : 1;
    const unmet: string[] = [];
    for (const b of blocks) {
      for (const dep of [...b.depends, ...(b.promptIf ? [b.promptIf] : [])]) {
        let holds: boolean;
        try {
          holds = evalKconfigExpr(parseKconfigExpr(dep), lookup) >= (b.type === 'bool' ? 1 : need);
        } catch {
          holds = false;
        }
        if (!holds && !unmet.includes(dep)) unmet.push(dep);
      }
    }
    const offSymbols = [...new Set(unmet.flatMap((d) => safeSymbols(d)))]
      .filter((s) => tristate(final.get(s)) < need)
      .map((s) => `${s}=${final.get(s) ?? 'n'}`);
    dropped.push({
      symbol,
      requested: value,
      final: got ?? 'n',
      unmet,
      offSymbols,
      ...(blocks[0] ? { definedAt: `${blocks[0].file}:${blocks[0].line}` } : {}),
      hidden: blocks.length > 0 && blocks.every((b) => b.prompt === undefined),
    });
  }
  return dropped;
}

function safeSymbols(dep: string): string[] {
  try {
    return exprSymbols(parseKconfigExpr(dep));
  } catch {
    return [];
  }
}

/** One line per dropped option, for a BuildError message. */
export function describeDroppedOption(d: DroppedOption): string {
  const where = d.definedAt ? ` (${d.definedAt})` : ' (no Kconfig in this tree defines it)';
  const why =
    d.unmet.length > 0
      ? `: unmet dependency ${d.unmet.map((u) => `"depends on ${u}"`).join(', ')}${d.offSymbols.length ? ` — ${d.offSymbols.join(', ')}` : ''}`
      : d.hidden
        ? ': it has no prompt, so only a select can set it'
        : '';
  return `CONFIG_${d.symbol}: requested ${d.requested}, final ${d.final}${where}${why}`;
}
