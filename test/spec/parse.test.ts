import test from 'ava';
import { locate, parseSpecText } from '../../src/spec/parse.js';

const TEXT = `name: dsas
directors:
  - hostname: lv1
    vips:
      - {address: 10.10.31.100, interface: eth0}
"a/b~c": 1
`;

test('maps JSON pointers to value positions and keeps key positions', (t) => {
  const r = parseSpecText(TEXT, 'x.yaml');
  if (!r.ok) return t.fail('should parse');
  t.deepEqual(r.positions.get('/name'), { line: 1, column: 7, key: { line: 1, column: 1 } });
  t.deepEqual(locate(r.positions, '/directors/0/hostname'), { line: 3, column: 15 });
  t.deepEqual(locate(r.positions, '/directors/0/hostname', true), { line: 3, column: 5 });
  t.deepEqual(locate(r.positions, '/directors/0/vips/0/interface'), { line: 5, column: 44 });
  t.deepEqual(locate(r.positions, '/a~1b~0c'), { line: 6, column: 10 });
});

test('an absent pointer falls back to its nearest ancestor', (t) => {
  const r = parseSpecText(TEXT, 'x.yaml');
  if (!r.ok) return t.fail('should parse');
  t.deepEqual(locate(r.positions, '/directors/0/vips/0/label'), { line: 5, column: 9 });
});

test('JSON parses too, with positions', (t) => {
  const r = parseSpecText('{\n  "name": "dsas",\n  "n": [1, 2]\n}\n', 'x.json');
  if (!r.ok) return t.fail('should parse');
  t.deepEqual(r.value, { name: 'dsas', n: [1, 2] });
  t.deepEqual(locate(r.positions, '/n/1'), { line: 3, column: 12 });
});

test('a syntax error reports file, line and column', (t) => {
  const r = parseSpecText('name: dsas\nkernel: [1, 2\n', 'bad.yaml');
  t.false(r.ok);
  if (r.ok) return;
  t.like(r.problems[0], { file: 'bad.yaml', line: 3, column: 1 });
  t.regex(r.problems[0]!.message, /^cannot parse: /);
});
