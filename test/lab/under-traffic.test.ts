/** The one runner for a change under traffic: its timing against bound + slack and its loss counts. */
import test from 'ava';
import type { Sample } from '../../src/lab/client.js';
import {
  CHANGE_SLACK_S,
  describeOutcome,
  lossAround,
  outcomeOk,
  runTimedChange,
  type TimedChange,
} from '../../src/lab/under-traffic.js';

const at = (ms: number, ok: boolean): Sample => ({ at: ms, body: ok ? 'w101' : undefined });

test('lossAround, recovery when seen: failures from the change to the new state, and after it', (t) => {
  const samples = [
    at(900, false),
    at(1000, false),
    at(1400, false),
    at(1600, true),
    at(1800, false),
    at(2000, true),
  ];
  t.deepEqual(lossAround(samples, 1000, 1500, 'seen'), {
    during: 2,
    sentDuring: 2,
    after: 1,
    recoveredS: 0.5,
  });
});

test('lossAround, recovery when answered: the first answer to a request sent at or after the new state', (t) => {
  const samples = [at(1000, false), at(1400, false), at(1600, false), at(1800, true), at(2000, true)];
  t.deepEqual(lossAround(samples, 1000, 1500, 'answered'), {
    during: 3,
    sentDuring: 3,
    after: 0,
    recoveredS: 0.8,
  });
  t.deepEqual(lossAround(samples, 1000, undefined, 'answered'), {
    during: 3,
    sentDuring: 5,
    after: 0,
    recoveredS: null,
  });
});

/** A change whose new state shows `delayMs` after it, while the service is out for `outageMs` from the change. */
function fake(
  delayMs: number,
  outageMs: number,
  boundS: number,
  extra: Partial<TimedChange> = {},
): TimedChange {
  let changedAt = Number.POSITIVE_INFINITY;
  return {
    change: () => {
      changedAt = Date.now();
      return Promise.resolve();
    },
    observe: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return Date.now();
    },
    boundS,
    recovery: 'seen',
    send: async () => {
      const sent = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      return sent >= changedAt && sent < changedAt + outageMs ? undefined : 'w101';
    },
    ...extra,
  };
}

test('a change seen within the bound passes, with its figure, the requests failed before it and none after', async (t) => {
  const o = await runTimedChange(fake(300, 200, 0.5));
  t.true(o.inTime);
  // Node's timers may fire a millisecond before Date.now() says the delay passed: 0.29, not 0.3.
  t.true(o.seconds !== undefined && o.seconds >= 0.29 && o.seconds < 0.5 + CHANGE_SLACK_S, `${o.seconds} s`);
  t.true(o.loss.during > 0, 'the outage failed some requests');
  t.is(o.loss.after, 0);
  t.true(outcomeOk(o));
  t.regex(
    describeOutcome(o),
    /^0\.\d\d s \(bound 0\.50 s \+ 1 s slack\); failed requests: \d+ of \d+ during, 0 after \(answered again 0\.\d\d s after the change\)$/,
  );
});

test('past bound + slack it is too late; failures after the new state fail it too', async (t) => {
  const late = await runTimedChange(fake(1300, 0, 0.1));
  t.false(late.inTime);
  t.false(outcomeOk(late));
  t.regex(describeOutcome(late), /\(bound 0\.10 s \+ 1 s slack: TOO LATE\)/);
  const broken = await runTimedChange(fake(100, 600, 5));
  t.true(broken.inTime);
  t.true(broken.loss.after > 0);
  t.false(outcomeOk(broken));
});

test('the bound can start elsewhere (a ready line), and a stream that is not ready calls the change off', async (t) => {
  const from = Date.now() + 10_000;
  const o = await runTimedChange(fake(100, 0, 1, { from: () => from }));
  t.true(o.seconds !== undefined && o.seconds < 0, 'timed from the later start');
  let changed = false;
  const off = await runTimedChange(
    fake(100, 0, 1, {
      change: () => {
        changed = true;
        return Promise.resolve();
      },
      stream: {
        open: () => Promise.resolve({ ok: true, detail: 'stream of 3 chunks from w101 complete' }),
        before: () => Promise.resolve('not synced'),
      },
    }),
  );
  t.false(changed);
  t.false(outcomeOk(off));
  t.is(describeOutcome(off), 'change not made: not synced');
  const broken = await runTimedChange(
    fake(100, 0, 1, {
      stream: { open: () => Promise.resolve({ ok: false, detail: 'stream broken: curl exit 18' }) },
    }),
  );
  t.false(outcomeOk(broken));
  t.regex(describeOutcome(broken), /; stream broken: curl exit 18$/);
});
