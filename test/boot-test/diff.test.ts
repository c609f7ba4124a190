import test from 'ava';
import { unifiedDiff } from '../../src/boot-test/diff.js';

const LABELS = { expected: 'expected', actual: 'actual' };

test('equal texts give no diff', (t) => {
  t.is(unifiedDiff('a\nb\n', 'a\nb', LABELS), '');
});

test('a changed line is named by its line number', (t) => {
  const expected =
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 2\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n';
  const actual = expected.replace('-w 2', '-w 1');
  t.is(
    unifiedDiff(expected, actual, LABELS),
    [
      '--- expected',
      '+++ actual',
      '@@ -1,3 +1,3 @@',
      ' -A -t 10.10.31.100:80 -s lc',
      '--a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 2',
      '+-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
      ' -a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1',
      '',
    ].join('\n'),
  );
});

test('missing and extra lines, with separate hunks when far apart', (t) => {
  const a = Array.from({ length: 12 }, (_, i) => `l${i + 1}`);
  const b = [...a.slice(0, 1), ...a.slice(2, 11), 'extra', ...a.slice(11)];
  t.is(
    unifiedDiff(a.join('\n'), b.join('\n'), LABELS, 1),
    [
      '--- expected',
      '+++ actual',
      '@@ -1,3 +1,2 @@',
      ' l1',
      '-l2',
      ' l3',
      '@@ -11,2 +10,3 @@',
      ' l11',
      '+extra',
      ' l12',
      '',
    ].join('\n'),
  );
  t.is(
    unifiedDiff('', 'x\n', LABELS),
    ['--- expected', '+++ actual', '@@ -0,0 +1,1 @@', '+x', ''].join('\n'),
  );
});
