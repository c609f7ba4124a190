import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, runCli } from '../_helpers/cli.js';

test('schema prints src/spec/schema.json as JSON', (t) => {
  const r = runCli(['schema']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(
    JSON.parse(r.stdout),
    JSON.parse(readFileSync(path.join(ROOT, 'src/spec/schema.json'), 'utf8')),
  );
});

test('schema --help', (t) => {
  const r = runCli(['schema', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /Usage: lvs-image schema/);
});
