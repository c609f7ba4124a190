/** The lab's one polling loop. */
import test from 'ava';
import { pollFor, pollUntil } from '../../src/lab/poll.js';

test('pollUntil returns the first value a probe finds, with the start time of that probe', async (t) => {
  let calls = 0;
  const starts: number[] = [];
  const found = await pollUntil(
    () => {
      starts.push(Date.now());
      return ++calls === 3 ? 'third' : undefined;
    },
    { boundMs: 5000, everyMs: 20 },
  );
  t.is(found?.value, 'third');
  t.is(calls, 3);
  // `at` is taken just before the probe runs (the probe's own clock reading may be a millisecond later), and
  // after the previous probe started (a 20 ms pause lies between them).
  const at = found?.at ?? Number.NaN;
  t.true(at <= (starts[2] ?? 0) && at > (starts[1] ?? 0), `${at} between ${starts[1]} and ${starts[2]}`);
});

test('pollUntil gives up once the bound passes, having probed once more at the bound', async (t) => {
  let calls = 0;
  const t0 = Date.now();
  const found = await pollUntil(
    () => {
      calls++;
      return undefined;
    },
    { boundMs: 120, everyMs: 50 },
  );
  const took = Date.now() - t0;
  t.is(found, undefined);
  // At 0, 50, 100 and at the bound (120).
  t.true(calls >= 3 && calls <= 5, `${calls} probes`);
  t.true(took >= 120 && took < 1000, `${took} ms`);
});

test('a slow probe runs at least once, and a value it finds past the bound still counts', async (t) => {
  const found = await pollUntil(
    async () => {
      await new Promise((r) => setTimeout(r, 80));
      return 42;
    },
    { boundMs: 10, everyMs: 1000 },
  );
  t.is(found?.value, 42);
});

test('pollFor: when a condition came true, or undefined', async (t) => {
  let n = 0;
  t.true(typeof (await pollFor(() => ++n > 2, { boundMs: 2000, everyMs: 10 })) === 'number');
  t.is(await pollFor(() => false, { boundMs: 30, everyMs: 10 }), undefined);
  t.true(typeof (await pollFor(async () => Promise.resolve(true), { boundMs: 0, everyMs: 10 })) === 'number');
});
