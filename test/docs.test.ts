/** The README and docs/ stay true: commands and flags they name exist, links resolve, the README's spec is the reference. */
import test from 'ava';
import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './_helpers/cli.js';
import { makeCommandTree } from './_helpers/program.js';

/** Every hand-written document (docs/spec-reference.md and docs/commands.md are generated, with their own tests). */
const GENERATED = ['docs/spec-reference.md', 'docs/commands.md'];
const DOCS = [
  'README.md',
  'bench/README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
    .filter((f) => !GENERATED.includes(f)),
];
/** Options every command accepts: the program's own (src/cli.ts) and commander's. */
const GLOBAL_FLAGS = new Set(['--json', '--sources', '--help', '--version']);

const read = (doc: string): string => readFileSync(path.join(ROOT, doc), 'utf8');

const COMMAND_TABLE = new Map<string, Command>(makeCommandTree().commands.map((c) => [c.name(), c]));

/** Inline code spans and fenced code blocks of a markdown text, table escapes (`\|`) undone. */
function codeOf(text: string): string[] {
  const fences = [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  const prose = text.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, '');
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '');
  return [...fences, ...spans].map((c) => c.replace(/\\\|/g, '|'));
}

/** `lvs-image NAME args...` on each line of a code text, and code spans that start with a command name and a flag. */
function invocationsOf(code: string): { command: string; words: string[] }[] {
  const found: { command: string; words: string[] }[] = [];
  for (const line of code.split('\n')) {
    for (const m of line.matchAll(/\blvs-image(?:\.js)? +([a-z][a-z-]*)([^\n]*)/g)) {
      const rest = (m[2] ?? '').split(/ \| |;|&&|>| #|`/)[0] ?? '';
      found.push({ command: m[1] ?? '', words: rest.split(/\s+/).filter((w) => w !== '') });
    }
  }
  const bare = /^([a-z][a-z-]*) (.*--.*)$/.exec(code);
  if (bare && COMMAND_TABLE.has(bare[1] ?? '') && !code.includes('lvs-image'))
    found.push({ command: bare[1] ?? '', words: (bare[2] ?? '').split(/\s+/) });
  return found;
}

/** Problems with one invocation: an unknown command or sub-command, or a flag the command does not take. */
function checkInvocation(inv: { command: string; words: string[] }): string[] {
  let cmd = COMMAND_TABLE.get(inv.command);
  if (!cmd) return [`unknown command \`${inv.command}\``];
  let words = inv.words;
  if (cmd.commands.length > 0 && words[0] !== undefined && /^[a-z|]+$/.test(words[0])) {
    const names = words[0].split('|');
    const subs = names.map((n) => cmd?.commands.find((c) => c.name() === n));
    if (subs.some((s) => s === undefined)) return [`\`${inv.command} ${words[0]}\`: unknown sub-command`];
    if (subs.length === 1) cmd = subs[0];
    words = words.slice(1);
  }
  const flags = new Set(cmd?.options.map((o) => o.long));
  return words
    .flatMap((w) => w.match(/--[a-z0-9][a-z0-9-]*/g) ?? [])
    .filter((f) => !flags.has(f) && !GLOBAL_FLAGS.has(f))
    .map((f) => `\`${inv.command}\` takes no ${f}`);
}

test('every command and flag the docs name exists in the CLI', (t) => {
  const problems: string[] = [];
  let checked = 0;
  for (const doc of DOCS) {
    for (const code of codeOf(read(doc))) {
      for (const inv of invocationsOf(code)) {
        checked++;
        for (const p of checkInvocation(inv)) problems.push(`${doc}: ${p} (in \`${code.split('\n')[0]}\`)`);
      }
    }
  }
  t.deepEqual(problems, []);
  t.true(checked > 50, `only ${checked} invocations found: is the parser still reading the docs?`);
});

test('the checker catches an unknown command, sub-command and flag', (t) => {
  const bad = codeOf('`lvs-image discover x` `lvs-image sources list|prune` `lvs-image build --fast SPEC`');
  t.deepEqual(bad.flatMap(invocationsOf).flatMap(checkInvocation), [
    'unknown command `discover`',
    '`sources list|prune`: unknown sub-command',
    '`build` takes no --fast',
  ]);
});

test("the README's command table lists every command, once", (t) => {
  const rows = [...read('README.md').matchAll(/^\| `lvs-image ([a-z-]+)/gm)].map((m) => m[1] ?? '');
  t.deepEqual([...rows].sort(), [...COMMAND_TABLE.keys()].sort());
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(text: string): Set<string> {
  const prose = text.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, '');
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
}

test('every relative link in the docs resolves, anchors included', (t) => {
  const problems: string[] = [];
  for (const doc of [...DOCS, ...GENERATED]) {
    const text = read(doc);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue;
      const [file = '', anchor] = target.split('#');
      const resolved = file === '' ? doc : path.join(path.dirname(doc), file);
      if (!existsSync(path.join(ROOT, resolved))) problems.push(`${doc}: ${target}: no file ${resolved}`);
      else if (anchor !== undefined && !anchorsOf(read(resolved)).has(anchor))
        problems.push(`${doc}: ${target}: no heading #${anchor} in ${resolved}`);
    }
  }
  t.deepEqual(problems, []);
});

test("the README's spec is images/dsas-lv1.yaml without its comments", (t) => {
  const block = /## A spec\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(read('README.md'))?.[1];
  t.truthy(block, 'README.md has a yaml block under "## A spec"');
  t.deepEqual(parseYaml(block ?? ''), parseYaml(read('images/dsas-lv1.yaml')));
});
