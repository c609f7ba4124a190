import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROGRAMS } from '../../src/packages/programs.js';
import { ROOT, runCli } from '../_helpers/cli.js';

const FILE = JSON.parse(readFileSync(path.join(ROOT, 'src/spec/schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
};

test('schema prints src/spec/schema.json with one pin per program of the table after ipvsadm', (t) => {
  const r = runCli(['schema']);
  t.is(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
  const keys = Object.keys(FILE.properties);
  const after = keys.indexOf('ipvsadm') + 1;
  const names = PROGRAMS.map((p) => p.name);
  t.deepEqual(Object.keys(printed.properties), [...keys.slice(0, after), ...names, ...keys.slice(after)]);
  for (const p of PROGRAMS)
    t.deepEqual(printed.properties[p.name], {
      description: p.pin.description,
      $ref: '#/definitions/programSourcePin',
    });
  t.deepEqual({ ...printed, properties: {} }, { ...FILE, properties: {} });
  for (const k of keys) t.deepEqual(printed.properties[k], FILE.properties[k], k);
});

test('schema --help', (t) => {
  const r = runCli(['schema', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /Usage: lvs-image schema/);
});
