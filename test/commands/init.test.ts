import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from '../_helpers/cli.js';

const REFERENCE = readFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), 'utf8');

test('init without FILE prints the starter spec', (t) => {
  const r = runCli(['init']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, REFERENCE);
});

test('init FILE writes a spec that validates', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  const r = runCli(['init', 'site.yaml'], { cwd: dir });
  t.is(r.status, 0, r.stderr);
  t.is(readFileSync(path.join(dir, 'site.yaml'), 'utf8'), REFERENCE);
  const v = runCli(['validate', 'site.yaml'], { cwd: dir });
  t.is(v.stdout, 'site.yaml: ok (1 director, 1 service, 2 real servers)\n');
});

test('init refuses to overwrite an existing file (exit 2, file untouched)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  writeFileSync(path.join(dir, 'mine.yaml'), 'keep me\n');
  const r = runCli(['init', 'mine.yaml'], { cwd: dir });
  t.is(r.status, 2);
  t.regex(r.stderr, /^mine\.yaml: already exists; init never overwrites a file\n/);
  t.is(readFileSync(path.join(dir, 'mine.yaml'), 'utf8'), 'keep me\n');
});

test('init --help', (t) => {
  const r = runCli(['init', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /Usage: lvs-image init \[options\] \[file\]/);
});
