import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCommandReference } from '../../src/commands/reference.js';
import { ROOT } from '../_helpers/cli.js';
import { makeCommandTree } from '../_helpers/program.js';

const DOC = path.join(ROOT, 'docs/commands.md');

const commands = () => makeCommandTree().commands;

test('docs/commands.md is generated from the commands and up to date', (t) => {
  const text = renderCommandReference(commands());
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(DOC, text);
  t.is(readFileSync(DOC, 'utf8'), text, 'run UPDATE_GOLDEN=1 npx ava test/commands/reference.test.ts');
});

test('the reference lists each command with its usage, arguments, options and defaults', (t) => {
  const text = renderCommandReference(commands());
  t.regex(text, /^## build\n\n`lvs-image build \[options\] <spec>`\n/m);
  t.regex(text, /^\| `spec` \| site spec \(YAML or JSON\) \|$/m);
  t.regex(
    text,
    /^\| `--out <dir>` \| `out` \| output folder; the site is published as \\<dir>\/\\<site> \|$/m,
  );
  t.regex(text, /^\| `--frozen` \| {2}\| build exactly what the lock names/m);
  t.regex(text, /^## sources export\n\n`lvs-image sources export \[options\] <args\.\.\.>`\n/m);
  t.notRegex(text, /^\| `-h, --help`/m);
  t.regex(text, /render the files of every director \(DIR\/\\<hostname>\/rootfs/);
});
