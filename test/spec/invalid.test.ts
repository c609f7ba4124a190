/**
 * Every invalid spec under test/fixtures/spec/invalid/ fails with exactly the lines in its `.expected` file
 * (`file:line:col: /pointer: message` plus the hint). Regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatProblem, SpecError } from '../../src/lib/errors.js';
import { checkSpecText } from '../../src/spec/load.js';
import { ROOT } from '../_helpers/cli.js';

const DIR = path.join(ROOT, 'test/fixtures/spec/invalid');
const FIXTURES = readdirSync(DIR)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

/** The problems a spec text fails with, formatted as the CLI prints them. */
function failureOf(text: string, label: string): string {
  try {
    checkSpecText(text, label);
  } catch (err) {
    if (err instanceof SpecError) return err.problems.map(formatProblem).join('\n') + '\n';
    throw err;
  }
  return '(valid)\n';
}

test('there are at least 35 invalid fixtures', (t) => {
  t.true(FIXTURES.length >= 35, `only ${FIXTURES.length}`);
});

for (const name of FIXTURES) {
  test(`invalid: ${name}`, (t) => {
    const actual = failureOf(readFileSync(path.join(DIR, name), 'utf8'), name);
    const expectedFile = path.join(DIR, name.replace(/\.(ya?ml|json)$/, '.expected'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, actual);
    t.not(actual, '(valid)\n', 'the fixture should be invalid');
    t.is(actual, readFileSync(expectedFile, 'utf8'));
  });
}
