/** renderCommandReference: the command reference (docs/commands.md) generated from the registered commands. Pure. */
import type { Command } from 'commander';

/** Prose for a markdown table cell: pipes escaped, `<dir>` kept as text (not read as an HTML tag). */
const prose = (s: string): string => s.replace(/</g, '\\<');
const cell = (s: string): string => prose(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => `\`${s.replace(/\|/g, '\\|')}\``;

function defaultOf(value: unknown, description: string | undefined): string {
  if (description !== undefined) return description;
  if (value === undefined || value === false) return '';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function section(cmd: Command, title: string): string[] {
  const out = [
    `## ${title}`,
    '',
    code(`lvs-image ${title} ${cmd.usage()}`),
    '',
    `${prose(cmd.description())}.`,
    '',
  ];
  if (cmd.registeredArguments.length > 0) {
    out.push('| argument | description |', '|---|---|');
    for (const a of cmd.registeredArguments) out.push(`| ${code(a.name())} | ${cell(a.description)} |`);
    out.push('');
  }
  const options = cmd.options.filter((o) => o.long !== '--help');
  if (options.length > 0) {
    out.push('| option | default | description |', '|---|---|---|');
    for (const o of options)
      out.push(
        `| ${code(o.flags)} | ${cell(defaultOf(o.defaultValue, o.defaultValueDescription))} | ${cell(o.description)} |`,
      );
    out.push('');
  }
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (subs.length > 0)
    out.push(`Sub-commands: ${subs.map((c) => `\`${title} ${c.name()}\``).join(', ')}.`, '');
  return [...out, ...subs.flatMap((c) => section(c, `${title} ${c.name()}`))];
}

/** The markdown reference of every command, in the order `--help` lists them, with arguments and options. */
export function renderCommandReference(commands: readonly Command[]): string {
  const lines = [
    '# Command reference',
    '',
    '<!-- Generated from the commands (src/commands/*.ts) by renderCommandReference (src/commands/reference.ts); regenerate with UPDATE_GOLDEN=1 npx ava test/commands/reference.test.ts -->',
    '',
    'Every command also takes `--help`, and the global options before the command: `--json` (machine-readable results; also accepted after the command) and `--sources <dir>` (the source store). Exit status: 0 ok, 1 build or check failure, 2 bad usage or bad spec.',
    '',
    ...commands.filter((c) => c.name() !== 'help').flatMap((c) => section(c, c.name())),
  ];
  return lines.join('\n').trimEnd() + '\n';
}
