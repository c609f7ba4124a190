import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../_helpers/cli.js';

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), 'lvs-render-cli-'));
}

test('render writes director roots and companion bundles, exit 0', (t) => {
  const out = path.join(scratch(), 'out');
  const r = runCli(['render', 'images/dsas-lv1.yaml', '--out', out]);
  t.is(r.status, 0, r.stderr);
  t.is(
    readFileSync(path.join(out, 'lv1/rootfs/etc/ipvsadm.rules'), 'utf8'),
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
  );
  t.is(statSync(path.join(out, 'lv1/rootfs/init')).mode & 0o777, 0o755);
  t.regex(
    readFileSync(path.join(out, 'realservers/w101/etc/network/interfaces'), 'utf8'),
    /gateway 192\.168\.31\.11\n/,
  );
  t.regex(r.stdout, /rendered 18 files for 1 director and 2 real servers/);
});

test('render --json lists every file with its sha256', (t) => {
  const out = path.join(scratch(), 'out');
  const r = runCli(['--json', 'render', 'images/dsas-lv1.yaml', '--out', out]);
  t.is(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as {
    ok: boolean;
    files: { path: string; mode: string; sha256: string }[];
  };
  t.true(result.ok);
  t.deepEqual(result.files.find((f) => f.path === 'lv1/rootfs/init')?.mode, '0755');
  // /init, its 3 boot-step files, 4 data files of /etc/lvs, 5 more director files, 2 companion files.
  t.is(result.files.length, 18);
});

test('render replaces a previous render of the same host and keeps unrelated entries', (t) => {
  const out = scratch();
  writeFileSync(path.join(out, 'keep-me'), 'x');
  t.is(runCli(['render', 'images/dsas-lv1.yaml', '--out', out]).status, 0);
  writeFileSync(path.join(out, 'lv1/rootfs/stale'), 'old');
  t.is(runCli(['render', 'images/dsas-lv1.yaml', '--out', out]).status, 0);
  t.false(existsSync(path.join(out, 'lv1/rootfs/stale')));
  t.true(existsSync(path.join(out, 'keep-me')));
  t.is(readFileSync(path.join(out, 'lv1/rootfs/etc/hostname'), 'utf8'), 'lv1\n');
});

test('a bad spec exits 2 and writes nothing', (t) => {
  const dir = scratch();
  const spec = path.join(dir, 'bad.yaml');
  writeFileSync(
    spec,
    readFileSync('images/dsas-lv1.yaml', 'utf8').replace('scheduler: lc', 'scheduler: nope'),
  );
  const out = path.join(dir, 'out');
  const r = runCli(['render', spec, '--out', out]);
  t.is(r.status, 2);
  t.regex(r.stderr, /scheduler/);
  t.false(existsSync(out));
});

test('a --templates folder that does not exist exits 2 and writes nothing', (t) => {
  const dir = scratch();
  const out = path.join(dir, 'out');
  const r = runCli(['render', 'images/dsas-lv1.yaml', '--out', out, '--templates', path.join(dir, 'nope')]);
  t.is(r.status, 2);
  t.regex(r.stderr, /--templates .*nope: not a folder/);
  t.false(existsSync(out));
});

test('render without --out is a usage error', (t) => {
  t.is(runCli(['render', 'images/dsas-lv1.yaml']).status, 2);
});
