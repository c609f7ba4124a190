/**
 * A small reader of the Kconfig language (Documentation/kbuild/kconfig-language.rst): finds each
 * `config`/`menuconfig` block with its type, prompt, `depends on` (including the enclosing `if` and
 * `menu ... depends on`), `select` and `default` lines. Enough to explain a dropped option; not a full parser.
 */

/** One `config SYMBOL` block. Conditions are kept as expression text. */
export interface KconfigEntry {
  symbol: string;
  type?: 'bool' | 'tristate' | 'int' | 'hex' | 'string';
  /** Prompt text; absent for hidden symbols (which a .config cannot set directly). */
  prompt?: string;
  /** Condition of the prompt (`bool "x" if EXPERT`). */
  promptIf?: string;
  /** Own `depends on` lines followed by the enclosing `if`/`menu` conditions. */
  depends: string[];
  selects: { symbol: string; if?: string }[];
  defaults: { value: string; if?: string }[];
  /** Innermost `menu "..."` title around the block. */
  menu?: string;
  file: string;
  line: number;
}

/** Result of reading one Kconfig file. */
export interface KconfigFile {
  entries: KconfigEntry[];
  /** `source "..."` paths, as written. */
  sources: string[];
}

type Frame = { kind: 'if' | 'menu' | 'choice'; cond: string[]; title?: string };

const TYPES = new Set(['bool', 'tristate', 'int', 'hex', 'string', 'def_bool', 'def_tristate']);

function indentOf(line: string): number {
  let n = 0;
  for (const ch of line) {
    if (ch === '\t') n = n - (n % 8) + 8;
    else if (ch === ' ') n++;
    else break;
  }
  return n;
}

function splitIf(text: string): { head: string; cond?: string } {
  const m = /^(.*?)\s+if\s+(.+)$/.exec(text);
  return m ? { head: m[1]!.trim(), cond: m[2]!.trim() } : { head: text.trim() };
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1');
}

/** Joins `\\`-continued lines, leaving an empty line for each one joined so line numbers stay right. */
export function joinContinuations(lines: string[]): string[] {
  const out: string[] = [];
  let pending: string | undefined;
  let blanks = 0;
  for (const line of lines) {
    const joined = pending === undefined ? line : `${pending.trimEnd()} ${line.trim()}`;
    if (joined.endsWith('\\')) {
      pending = joined.slice(0, -1);
      blanks++;
      continue;
    }
    out.push(joined, ...Array<string>(blanks).fill(''));
    pending = undefined;
    blanks = 0;
  }
  if (pending !== undefined) out.push(pending);
  return out;
}

/** Parses one Kconfig file's text. `file` is used only to label entries. */
export function parseKconfigFile(text: string, file: string): KconfigFile {
  const entries: KconfigEntry[] = [];
  const sources: string[] = [];
  const stack: Frame[] = [];
  let current: KconfigEntry | undefined;
  let pendingMenu: Frame | undefined;
  let helpIndent: number | null | undefined;
  const lines = joinContinuations(text.split('\n'));
  const close = (): void => {
    if (current) current.depends.push(...stack.flatMap((f) => f.cond));
    current = undefined;
    pendingMenu = undefined;
  };
  lines.forEach((raw, index) => {
    if (helpIndent !== undefined) {
      if (raw.trim() === '') return;
      if (helpIndent === null) helpIndent = indentOf(raw);
      if (indentOf(raw) >= helpIndent) return;
      helpIndent = undefined;
    }
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (word === 'config' || word === 'menuconfig') {
      close();
      const menu = [...stack].reverse().find((f) => f.kind === 'menu')?.title;
      current = {
        symbol: arg,
        depends: [],
        selects: [],
        defaults: [],
        file,
        line: index + 1,
        ...(menu ? { menu } : {}),
      };
      entries.push(current);
    } else if (word === 'if') {
      close();
      stack.push({ kind: 'if', cond: [arg] });
    } else if (word === 'menu') {
      close();
      pendingMenu = { kind: 'menu', cond: [], title: unquote(arg) };
      stack.push(pendingMenu);
    } else if (word === 'choice') {
      close();
      stack.push({ kind: 'choice', cond: [] });
    } else if (word === 'endif' || word === 'endmenu' || word === 'endchoice') {
      close();
      stack.pop();
    } else if (word === 'source' || word === 'rsource' || word === 'osource') {
      close();
      sources.push(unquote(arg));
    } else if (word === 'comment' || word === 'mainmenu') close();
    else if (word === 'help' || word === '---help---') helpIndent = null;
    else if (word === 'depends' && rest[0] === 'on') {
      const cond = rest.slice(1).join(' ');
      if (current) current.depends.push(cond);
      else pendingMenu?.cond.push(cond);
    } else if (!current) return;
    else if (TYPES.has(word)) {
      const { head, cond } = splitIf(arg);
      if (word.startsWith('def_')) {
        current.type = word.slice(4) as 'bool' | 'tristate';
        current.defaults.push({ value: head, ...(cond ? { if: cond } : {}) });
      } else {
        current.type = word as KconfigEntry['type'];
        if (head !== '') current.prompt = unquote(head);
        if (head !== '' && cond) current.promptIf = cond;
      }
    } else if (word === 'prompt') {
      const { head, cond } = splitIf(arg);
      current.prompt = unquote(head);
      if (cond) current.promptIf = cond;
    } else if (word === 'select' || word === 'imply') {
      const { head, cond } = splitIf(arg);
      if (word === 'select') current.selects.push({ symbol: head, ...(cond ? { if: cond } : {}) });
    } else if (word === 'default') {
      const { head, cond } = splitIf(arg);
      current.defaults.push({ value: head, ...(cond ? { if: cond } : {}) });
    }
  });
  close();
  return { entries, sources };
}
