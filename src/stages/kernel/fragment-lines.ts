/**
 * Collects fragment lines from several sources, deduplicating them and keeping every reason. The same symbol
 * asked for `m` and `y` becomes `y`; asked for two other values it is a conflict naming both sources, except
 * that `kernel.extraConfig` may override what the full profile adds, `m` for `y` too (reported, not refused). Pure.
 */
import { formatKconfigLine } from '../../lib/kconfig.js';

/** Where a line comes from; decides who wins a disagreement. */
export type LineOrigin = 'base' | 'feature' | 'dependency' | 'profile' | 'extra';

/** One symbol of a generated fragment and why it is there. */
export interface FragmentLine {
  symbol: string;
  value: string;
  reasons: string[];
}

/** Two sources asking for different values of one symbol. */
export interface FragmentConflict {
  symbol: string;
  first: { value: string; source: string };
  second: { value: string; source: string };
}

interface Slot extends FragmentLine {
  origin: LineOrigin;
  source: string;
}

/** Accumulates lines; see the module comment for the merge rules. */
export class FragmentLines {
  private readonly slots = new Map<string, Slot>();
  readonly conflicts: FragmentConflict[] = [];
  readonly overrides: { symbol: string; value: string; replaced: string; source: string }[] = [];

  /** True when the symbol already has a line. */
  has(symbol: string): boolean {
    return this.slots.has(symbol);
  }

  /** Adds `symbol=value` from `source` (a spec path or data file) with a human reason. */
  add(symbol: string, value: string, origin: LineOrigin, source: string, reason: string): void {
    const slot = this.slots.get(symbol);
    if (!slot) {
      this.slots.set(symbol, { symbol, value, reasons: [reason], origin, source });
      return;
    }
    if (!slot.reasons.includes(reason)) slot.reasons.push(reason);
    if (slot.value === value) return;
    const extraWins = origin === 'extra' && slot.origin === 'profile';
    const keepExtra = slot.origin === 'extra' && origin === 'profile';
    const pair = [slot.value, value].sort().join('');
    if (pair === 'my' && !extraWins && !keepExtra) {
      slot.value = 'y';
      return;
    }
    if (extraWins || keepExtra) {
      const [winner, loser] = extraWins ? [value, slot.value] : [slot.value, value];
      this.overrides.push({
        symbol,
        value: winner,
        replaced: loser,
        source: extraWins ? source : slot.source,
      });
      slot.value = winner;
      slot.origin = 'extra';
      if (extraWins) slot.source = source;
      return;
    }
    this.conflicts.push({
      symbol,
      first: { value: slot.value, source: slot.source },
      second: { value, source },
    });
  }

  /** The lines sorted by symbol. */
  lines(): FragmentLine[] {
    return [...this.slots.values()]
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
      .map(({ symbol, value, reasons }) => ({ symbol, value, reasons }));
  }
}

/** Prints lines as a merge-safe fragment: a `# reason` comment above each `CONFIG_` line. */
export function formatFragment(header: string[], lines: FragmentLine[]): string {
  const out = header.map((h) => `# ${h}`);
  for (const l of lines) {
    out.push('', `# ${l.reasons.join('; ')}`, formatKconfigLine(l.symbol, l.value));
  }
  return out.join('\n') + '\n';
}
