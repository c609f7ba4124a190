import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from '../_helpers/cli.js';

const INVALID = path.join(ROOT, 'test/fixtures/spec/invalid');

test('a valid spec: one summary line, exit 0', (t) => {
  const r = runCli(['validate', 'images/dsas-lv1.yaml']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, 'images/dsas-lv1.yaml: ok (1 director, 1 service, 2 real servers)\n');
  t.is(r.stderr, '');
});

test('an invalid spec: every problem on stderr, exit 2, nothing on stdout and no file written', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-validate-'));
  const spec = path.join(dir, 'bad.yaml');
  writeFileSync(spec, readFileSync(path.join(INVALID, '45-many-rule-faults.yaml')));
  const r = runCli(['validate', 'bad.yaml'], { cwd: dir });
  t.is(r.status, 2);
  t.is(r.stdout, '');
  const expected = readFileSync(path.join(INVALID, '45-many-rule-faults.expected'), 'utf8').replaceAll(
    '45-many-rule-faults.yaml',
    'bad.yaml',
  );
  t.is(r.stderr, `${expected}5 problems found; nothing was written.\n`);
  t.deepEqual(readdirSync(dir), ['bad.yaml']);
});

test('a YAML syntax error: file:line:col, exit 2', (t) => {
  const r = runCli(['validate', 'test/fixtures/spec/invalid/01-yaml-syntax.yaml']);
  t.is(r.status, 2);
  t.regex(r.stderr, /^test\/fixtures\/spec\/invalid\/01-yaml-syntax\.yaml:26:1: cannot parse: /);
});

test('a missing file: exit 2 with a hint', (t) => {
  const r = runCli(['validate', 'no/such.yaml']);
  t.is(r.status, 2);
  t.regex(r.stderr, /^no\/such\.yaml: cannot read the spec \(ENOENT\)\n {2}hint: /);
});

test('--json: ok with counts and warnings', (t) => {
  const r = runCli(['--json', 'validate', 'images/dr-example.yaml']);
  t.is(r.status, 0, r.stderr);
  t.like(JSON.parse(r.stdout), {
    ok: true,
    file: 'images/dr-example.yaml',
    directors: 1,
    services: 2,
    realServers: 2,
    warnings: [],
  });
});

test('--json: problems as data, exit 2', (t) => {
  const r = runCli(['--json', 'validate', 'test/fixtures/spec/invalid/24-vip-unknown-interface.yaml']);
  t.is(r.status, 2);
  const out = JSON.parse(r.stdout) as { ok: boolean; problems: unknown[] };
  t.false(out.ok);
  t.deepEqual(out.problems, [
    {
      file: 'test/fixtures/spec/invalid/24-vip-unknown-interface.yaml',
      line: 14,
      column: 44,
      pointer: '/directors/0/vips/0/interface',
      message: 'no interface named "eth2" on lv1',
      hint: 'use one of: eth0, eth1',
    },
  ]);
});

test('warnings are printed but do not fail validation', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-validate-'));
  const text = readFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), 'utf8').replace(
    'address: 192.168.31.101/24\n',
    'address: 192.168.31.101/24\n    gateway: 192.168.31.1\n',
  );
  writeFileSync(path.join(dir, 'gw.yaml'), text);
  const r = runCli(['validate', 'gw.yaml'], { cwd: dir });
  t.is(r.status, 0, r.stderr);
  t.regex(
    r.stderr,
    /^gw\.yaml:\d+:\d+: \/realServers\/0\/gateway: warning: gateway 192\.168\.31\.1 of NAT real server w101 is not an inside address of lv1 \(192\.168\.31\.11\): replies will bypass the director\n/,
  );
  t.is(r.stdout, 'gw.yaml: ok (1 director, 1 service, 2 real servers)\n');
});

test('validate --help', (t) => {
  const r = runCli(['validate', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /Usage: lvs-image validate \[options\] <spec>/);
});
