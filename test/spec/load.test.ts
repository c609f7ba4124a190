import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { SpecError } from '../../src/lib/errors.js';
import { checkSpecText, loadSpec } from '../../src/spec/load.js';
import { ROOT } from '../_helpers/cli.js';

const REFERENCE = path.join(ROOT, 'images/dsas-lv1.yaml');

test('loadSpec returns the spec with defaults, as written, the file sha256 and positions', async (t) => {
  const loaded = await loadSpec(REFERENCE);
  t.is(loaded.file, REFERENCE);
  t.is(loaded.sha256, createHash('sha256').update(readFileSync(REFERENCE)).digest('hex'));
  t.is(loaded.raw.directors[0]!.services[0]!.realServers[0]!.port, undefined);
  t.is(loaded.spec.directors[0]!.services[0]!.realServers[0]!.port, 80);
  t.like(loaded.positions.get('/directors/0/hostname'), { line: 26 });
});

test('a JSON spec loads to the same spec', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-load-'));
  const file = path.join(dir, 'site.json');
  writeFileSync(file, JSON.stringify(parse(readFileSync(REFERENCE, 'utf8')), null, 2));
  t.deepEqual((await loadSpec(file)).spec, (await loadSpec(REFERENCE)).spec);
});

test('schema problems stop before the rules', (t) => {
  const text = readFileSync(REFERENCE, 'utf8')
    .replace('scheduler: lc', 'scheduler: fast')
    .replace('port: 80', 'port: 0');
  const err = t.throws(() => checkSpecText(text, 'x.yaml'), { instanceOf: SpecError });
  t.deepEqual(
    err?.problems.map((p) => p.pointer),
    ['/directors/0/services/0/scheduler'],
  );
});

test('rule problems carry line and column from the pointer', (t) => {
  const text = readFileSync(REFERENCE, 'utf8').replace('port: 80', 'port: 0');
  const err = t.throws(() => checkSpecText(text, 'x.yaml'), { instanceOf: SpecError });
  t.deepEqual(
    err?.problems.map((p) => [p.file, p.line, p.column, p.pointer]),
    [['x.yaml', 47, 15, '/directors/0/services/0/port']],
  );
});

test('warnings come back on the loaded spec', (t) => {
  const text = readFileSync(REFERENCE, 'utf8').replace(
    'address: 192.168.31.102/24\n',
    'address: 192.168.31.102/24\n    gateway: 192.168.31.254\n',
  );
  const loaded = checkSpecText(text, 'x.yaml');
  t.deepEqual(
    loaded.warnings.map((w) => [w.pointer, w.line]),
    [['/realServers/1/gateway', 67]],
  );
});
