/**
 * Kconfig dependency expressions (`A && (B || !C)`, `IPV6 = y || IP_VS = IPV6`, `X || X=n`): parse and
 * evaluate in tristate logic (n=0, m=1, y=2) as Documentation/kbuild/kconfig-language.rst defines. Pure.
 */

/** A parsed expression. */
export type KconfigExpr =
  | { kind: 'sym'; name: string }
  | { kind: 'not'; arg: KconfigExpr }
  | { kind: 'and' | 'or'; left: KconfigExpr; right: KconfigExpr }
  | { kind: 'cmp'; op: '=' | '!=' | '<' | '>' | '<=' | '>='; left: string; right: string };

const TOKEN = /\s*(&&|\|\||!=|<=|>=|[()!=<>]|"[^"]*"|'[^']*'|[A-Za-z0-9_.$-]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text.slice(at).trim() === '') break;
      throw new Error(`cannot parse Kconfig expression at "${text.slice(at)}"`);
    }
    tokens.push(m[1]!);
  }
  return tokens;
}

/** Parses a `depends on` / `if` / `default ... if` expression. Throws on malformed text. */
export function parseKconfigExpr(text: string): KconfigExpr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const atom = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of Kconfig expression "${text}"`);
    return t.replace(/^["']|["']$/g, '');
  };
  const primary = (): KconfigExpr => {
    if (peek() === '!') {
      i++;
      return { kind: 'not', arg: primary() };
    }
    if (peek() === '(') {
      i++;
      const e = or();
      if (tokens[i++] !== ')') throw new Error(`missing ")" in Kconfig expression "${text}"`);
      return e;
    }
    const left = atom();
    const op = peek();
    if (op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=') {
      i++;
      return { kind: 'cmp', op, left, right: atom() };
    }
    return { kind: 'sym', name: left };
  };
  const and = (): KconfigExpr => {
    let left = primary();
    while (peek() === '&&') {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): KconfigExpr => {
    let left = and();
    while (peek() === '||') {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const e = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in Kconfig expression "${text}"`);
  return e;
}

/** Tristate value of a `.config` value: y=2, m=1, anything else (n, absent, strings) 0. */
export function tristate(value: string | undefined): number {
  return value === 'y' ? 2 : value === 'm' ? 1 : 0;
}

type Lookup = (symbol: string) => string | undefined;

function operand(word: string, lookup: Lookup): string {
  if (word === 'y' || word === 'm' || word === 'n') return word;
  if (/^[A-Z0-9_]+$/.test(word) && /[A-Z_]/.test(word)) return lookup(word) ?? 'n';
  return word;
}

/** Evaluates an expression to 0/1/2 given each symbol's value (absent = n). */
export function evalKconfigExpr(e: KconfigExpr, lookup: Lookup): number {
  switch (e.kind) {
    case 'sym':
      return e.name === 'y' ? 2 : e.name === 'm' ? 1 : e.name === 'n' ? 0 : tristate(lookup(e.name));
    case 'not':
      return 2 - evalKconfigExpr(e.arg, lookup);
    case 'and':
      return Math.min(evalKconfigExpr(e.left, lookup), evalKconfigExpr(e.right, lookup));
    case 'or':
      return Math.max(evalKconfigExpr(e.left, lookup), evalKconfigExpr(e.right, lookup));
    case 'cmp': {
      const a = operand(e.left, lookup);
      const b = operand(e.right, lookup);
      const na = Number(a);
      const nb = Number(b);
      const numeric = a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb);
      const cmp = numeric ? Math.sign(na - nb) : a === b ? 0 : tristate(a) - tristate(b) || (a < b ? -1 : 1);
      const table = {
        '=': cmp === 0,
        '!=': cmp !== 0,
        '<': cmp < 0,
        '>': cmp > 0,
        '<=': cmp <= 0,
        '>=': cmp >= 0,
      };
      return table[e.op] ? 2 : 0;
    }
  }
}

/** Symbols named in an expression, in order of first appearance. */
export function exprSymbols(e: KconfigExpr): string[] {
  const out = new Set<string>();
  const walk = (x: KconfigExpr): void => {
    if (x.kind === 'sym' && !['y', 'm', 'n'].includes(x.name)) out.add(x.name);
    else if (x.kind === 'not') walk(x.arg);
    else if (x.kind === 'and' || x.kind === 'or') {
      walk(x.left);
      walk(x.right);
    } else if (x.kind === 'cmp')
      for (const w of [x.left, x.right]) if (/^[A-Z][A-Z0-9_]*$/.test(w)) out.add(w);
  };
  walk(e);
  return [...out];
}

/** Symbols that must be on for the expression to hold (the plain `A && B` atoms; `||` and `!` add none). */
export function requiredSymbols(e: KconfigExpr): string[] {
  if (e.kind === 'sym') return ['y', 'm', 'n'].includes(e.name) ? [] : [e.name];
  if (e.kind === 'and') return [...requiredSymbols(e.left), ...requiredSymbols(e.right)];
  if (e.kind === 'cmp' && /^[A-Z][A-Z0-9_]*$/.test(e.left)) {
    if ((e.op === '=' && (e.right === 'y' || e.right === 'm')) || (e.op === '!=' && e.right === 'n'))
      return [e.left];
  }
  return [];
}
