import test from 'ava';
import { compareKernelVersions, kernelAtLeast, parseKernelVersion } from '../../src/lib/kernel-version.js';

test('parses series and full versions', (t) => {
  t.deepEqual(parseKernelVersion('6.1'), [6, 1]);
  t.deepEqual(parseKernelVersion('2.6.16.27'), [2, 6, 16, 27]);
  t.is(parseKernelVersion('6.x'), null);
  t.is(parseKernelVersion('v6.1'), null);
});

const order = [
  ['2.6.16.27', '2.6.28', -1],
  ['6.1', '6.1.0', 0],
  ['6.1.192', '6.1', 1],
  ['4.18', '4.3', 1],
  ['2.6.9', '2.6.10', -1],
] as const;
for (const [a, b, sign] of order) {
  test(`compare ${a} with ${b}`, (t) => {
    t.is(Math.sign(compareKernelVersions(a, b)), sign);
  });
}

test('kernelAtLeast uses numeric, not string, order', (t) => {
  t.true(kernelAtLeast('5.12', '5.2'));
  t.false(kernelAtLeast('4.9', '4.18'));
});
