/** An unknown command is an error (exit 2) however it is asked for, help flags included. */
import test from 'ava';
import { runCli } from '../_helpers/cli.js';

const UNKNOWN = "error: unknown command 'discover'\n(run with --help for usage)\n";

for (const args of [
  ['discover'],
  ['discover', '--help'],
  ['discover', '-h'],
  ['help', 'discover'],
  ['--json', 'discover', '--help'],
  ['--sources', '/nonexistent', 'discover', '--help'],
]) {
  test(`lvs-image ${args.join(' ')}: says the command is unknown, exit 2, no help`, (t) => {
    const r = runCli(args);
    t.is(r.status, 2);
    t.is(r.stdout, '');
    t.is(r.stderr, UNKNOWN);
  });
}

test('a misspelt command gets commander’s suggestion, --help or not', (t) => {
  const r = runCli(['biuld', '--help']);
  t.is(r.status, 2);
  t.is(r.stdout, '');
  t.regex(r.stderr, /^error: unknown command 'biuld'\n\(Did you mean build\?\)\n/);
});

for (const args of [
  ['build', '--help'],
  ['help', 'build'],
  ['rollback', '--help'],
]) {
  test(`lvs-image ${args.join(' ')}: a known command's help, exit 0`, (t) => {
    const r = runCli(args);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^Usage: lvs-image ${args[0] === 'help' ? args[1] : args[0]} `));
  });
}

test('lvs-image --help and --version still print and exit 0, once', (t) => {
  const help = runCli(['--help']);
  t.is(help.status, 0);
  t.regex(help.stdout, /^Usage: lvs-image \[options\] \[command\]/);
  const version = runCli(['--version']);
  t.is(version.status, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
});
