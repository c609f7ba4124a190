/**
 * Kernel `.config` text: parse, merge (scripts/kconfig/merge_config.sh semantics) and serialize. Pure.
 * A value is the text after `=` (`y`, `m`, `"str"`, `123`, `0x1f`); `# CONFIG_X is not set` is the value `n`.
 */

/** Symbol (without `CONFIG_`) → value; `n` for `# CONFIG_X is not set`. Insertion order is file order. */
export type KconfigValues = Map<string, string>;

/** One symbol whose value a later config replaced, as merge_config.sh reports it. */
export interface KconfigOverride {
  symbol: string;
  previous: string;
  value: string;
}

const SET_LINE = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const UNSET_LINE = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

/** Parses `.config` text; comments and blank lines are skipped, a later line for the same symbol wins. */
export function parseKconfig(text: string): KconfigValues {
  const values: KconfigValues = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = SET_LINE.exec(line);
    if (set) {
      values.set(set[1]!, set[2]!);
      continue;
    }
    const unset = UNSET_LINE.exec(line);
    if (unset) values.set(unset[1]!, 'n');
  }
  return values;
}

/** Formats one symbol as a `.config` line (`CONFIG_X=y` or `# CONFIG_X is not set`). */
export function formatKconfigLine(symbol: string, value: string): string {
  return value === 'n' ? `# CONFIG_${symbol} is not set` : `CONFIG_${symbol}=${value}`;
}

/** Serializes values in their map order, one line each, with a final newline. */
export function serializeKconfig(values: KconfigValues): string {
  const lines = [...values].map(([symbol, value]) => formatKconfigLine(symbol, value));
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/**
 * Merges `fragment` over `base` as merge_config.sh does: every fragment symbol replaces the base value
 * (kept in the base's position when present, appended otherwise), and each changed value is reported.
 */
export function mergeKconfig(
  base: KconfigValues,
  fragment: KconfigValues,
): { values: KconfigValues; overrides: KconfigOverride[] } {
  const values: KconfigValues = new Map(base);
  const overrides: KconfigOverride[] = [];
  for (const [symbol, value] of fragment) {
    const previous = values.get(symbol);
    if (previous !== undefined && previous !== value) overrides.push({ symbol, previous, value });
    values.set(symbol, value);
  }
  return { values, overrides };
}

/** How a requested value compares with the value olddefconfig kept. */
export type KconfigCheck = 'kept' | 'raised' | 'dropped' | 'changed';

/**
 * Compares a requested value with the final one: `m` raised to `y` by a `select` still counts as present
 * (`raised`); a requested `y`/`m` that ended up `n` or absent is `dropped`; any other difference is `changed`.
 */
export function checkKconfigValue(requested: string, final: string | undefined): KconfigCheck {
  const got = final ?? 'n';
  if (got === requested) return 'kept';
  if (requested === 'm' && got === 'y') return 'raised';
  if ((requested === 'y' || requested === 'm') && got === 'n') return 'dropped';
  return 'changed';
}
