import test from 'ava';
import { SpecError, BuildError, exitCodeFor, formatProblem } from '../../src/lib/errors.js';

test('formatProblem puts file, position, pointer, message and hint in order', (t) => {
  t.is(
    formatProblem({
      file: 'images/x.yaml',
      line: 3,
      column: 5,
      pointer: '/directors/0/hostname',
      message: 'must match pattern',
      hint: 'use letters',
    }),
    'images/x.yaml:3:5: /directors/0/hostname: must match pattern\n  hint: use letters',
  );
  t.is(formatProblem({ pointer: '', message: 'must be object' }), '/: must be object');
});

test('spec errors exit 2, build errors exit 1', (t) => {
  t.is(exitCodeFor(new SpecError('bad')), 2);
  t.is(exitCodeFor(new BuildError('broken')), 1);
  t.is(exitCodeFor(new Error('x')), 1);
});
