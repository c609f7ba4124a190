import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from '../_helpers/cli.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lvs-build-cli-'));
}

test('a bad spec exits 2, lists every problem and writes nothing', (t) => {
  const dir = tempDir();
  const spec = path.join(dir, 'bad.yaml');
  writeFileSync(
    spec,
    'name: dsas\nkernel: {version: "6.1"}\nipvsadm: {version: "1.31"}\ndirectors: []\nrealServers: []\nbogus: 1\n',
  );
  const out = path.join(dir, 'out');
  const r = runCli(['build', spec, '--out', out]);
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /bad\.yaml:\d+:\d+: /);
  t.regex(r.stderr, /nothing was written/);
  t.false(existsSync(out), 'no output folder, no log');
});

test('a missing spec file exits 2', (t) => {
  const out = path.join(tempDir(), 'out');
  const r = runCli(['build', path.join(tempDir(), 'nope.yaml'), '--out', out]);
  t.is(r.status, 2);
  t.regex(r.stderr, /cannot read the spec/);
  t.false(existsSync(out));
});

test('a malformed SOURCE_DATE_EPOCH is a usage error', (t) => {
  const out = path.join(tempDir(), 'out');
  const r = runCli(['build', path.join(ROOT, 'images/dsas-lv1.yaml'), '--out', out], {
    env: { SOURCE_DATE_EPOCH: 'yesterday' },
  });
  t.is(r.status, 2);
  t.regex(r.stderr, /SOURCE_DATE_EPOCH=yesterday/);
  t.false(existsSync(out));
});

test('--dry-run validates, plans and preflights, then stops without writing', (t) => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const r = runCli(['--json', 'build', path.join(ROOT, 'images/dsas-lv1.yaml'), '--out', out, '--dry-run']);
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as {
    ok: boolean;
    dryRun: boolean;
    published: unknown;
    timings: Record<string, number>;
  };
  t.true(summary.ok);
  t.true(summary.dryRun);
  t.is(summary.published, null);
  t.deepEqual(Object.keys(summary.timings), ['validate', 'plan', 'preflight', 'total']);
  t.deepEqual(readdirSync(dir), [], 'nothing written');
});

test('--jobs must be a positive integer', (t) => {
  const r = runCli(['build', path.join(ROOT, 'images/dsas-lv1.yaml'), '--jobs', 'many', '--dry-run']);
  t.is(r.status, 2);
  t.regex(r.stderr, /--jobs many: must be a positive integer/);
});
