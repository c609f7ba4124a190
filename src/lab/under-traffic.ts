/**
 * The one runner for "a change under traffic": a request loop (and, optionally, a long-lived stream opened first)
 * runs across a change; the runner times the change against its bound plus one slack, and counts the requests
 * that failed before the new state was in and after it. Health-check phases and takeovers are both this.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { requestLoop, type Sample } from './client.js';

/**
 * Added to every bound: how late the lab may see a change that came in time (a console line or an
 * `ipvsadm -Sn` probe through the serial console, QEMU scheduled on a loaded 2-core machine).
 */
export const CHANGE_SLACK_S = 1;
/** Past bound + slack, how long the runner still waits, to report how late a change came. */
export const OVERRUN_S = 30;
/** With a stream: how long the loop and the stream run before the change. */
const LEAD_MS = 1500;
/** After the change is seen, how long the loop runs on: failures then count as "after". */
const TAIL_MS = 3000;

/** A change to make under traffic, and how to see that it took effect. */
export interface TimedChange {
  change: () => Promise<void>;
  /** Waits (bounded by `waitS`) for the expected state; when it was seen, or undefined. */
  observe: (waitS: number) => Promise<number | undefined>;
  boundS: number;
  /** Where the bound starts, read once the change is made (default: the change's start), e.g. a ready line. */
  from?: () => number | undefined;
  /** `seen`: no request may fail once the state is seen; `answered`: none once the client was answered again. */
  recovery: 'seen' | 'answered';
  /** One request of the loop. */
  send: () => Promise<string | undefined>;
  /**
   * A stream opened before the change and awaited after; `before` runs with the stream open (e.g. until connection
   * sync carried it over) and returns a problem that calls the change off.
   */
  stream?: {
    open: () => Promise<{ ok: boolean; detail: string }>;
    before?: () => Promise<string | undefined>;
  };
}

/** Failed requests around a change at `t0` whose new state showed at `seen`. */
export interface Loss {
  /** Failed from the change until recovery. */
  during: number;
  /** Sent from the change until recovery. */
  sentDuring: number;
  /** Failed after recovery (must be none). */
  after: number;
  /** Seconds from the change to recovery; null: never. */
  recoveredS: number | null;
}

/**
 * Counts the loop's failures around a change at `t0`. Recovery is when the state was seen (`seen`), or the first
 * answer to a request sent at or after it (`answered`). Pure.
 */
export function lossAround(
  samples: readonly Sample[],
  t0: number,
  seen: number | undefined,
  recovery: 'seen' | 'answered',
): Loss {
  const recovered =
    seen === undefined
      ? undefined
      : recovery === 'seen'
        ? seen
        : samples.find((s) => s.at >= seen && s.body !== undefined)?.at;
  const since = samples.filter((s) => s.at >= t0);
  const before = since.filter((s) => recovered === undefined || s.at < recovered);
  return {
    during: before.filter((s) => s.body === undefined).length,
    sentDuring: before.length,
    after:
      recovered === undefined ? 0 : since.filter((s) => s.at >= recovered && s.body === undefined).length,
    recoveredS: recovered === undefined ? null : (recovered - t0) / 1000,
  };
}

/** What the runner measured. */
export interface ChangeOutcome {
  /** Seconds from the bound's start to the new state; undefined: never seen. */
  seconds?: number;
  boundS: number;
  inTime: boolean;
  loss: Loss;
  stream?: { ok: boolean; detail: string };
  /** Why the change was not made. */
  calledOff?: string;
}

/** Whether an outcome passes: seen in time, recovered, nothing failed after, the stream complete. Pure. */
export function outcomeOk(o: ChangeOutcome): boolean {
  return (
    o.calledOff === undefined &&
    o.inTime &&
    o.loss.recoveredS !== null &&
    o.loss.after === 0 &&
    o.stream?.ok !== false
  );
}

/** The outcome in one line: time against bound and slack, failed requests, the stream. Pure. */
export function describeOutcome(o: ChangeOutcome): string {
  if (o.calledOff !== undefined) return `change not made: ${o.calledOff}`;
  const time =
    o.seconds === undefined
      ? `not seen within ${o.boundS + CHANGE_SLACK_S + OVERRUN_S} s`
      : `${o.seconds.toFixed(2)} s`;
  const late = o.seconds !== undefined && !o.inTime ? ': TOO LATE' : '';
  const l = o.loss;
  const recovered =
    l.recoveredS === null
      ? 'never answered again'
      : `answered again ${l.recoveredS.toFixed(2)} s after the change`;
  return (
    `${time} (bound ${o.boundS.toFixed(2)} s + ${CHANGE_SLACK_S} s slack${late}); ` +
    `failed requests: ${l.during} of ${l.sentDuring} during, ${l.after} after (${recovered})` +
    (o.stream !== undefined ? `; ${o.stream.detail}` : '')
  );
}

/** Runs `c` under traffic (see the module comment). */
export async function runTimedChange(c: TimedChange): Promise<ChangeOutcome> {
  const stream = c.stream?.open();
  const loop = requestLoop(c.send);
  if (c.stream !== undefined) await sleep(LEAD_MS);
  const problem = await c.stream?.before?.();
  if (problem !== undefined) {
    await loop.stop();
    return {
      boundS: c.boundS,
      inTime: false,
      loss: { during: 0, sentDuring: 0, after: 0, recoveredS: null },
      ...(stream !== undefined ? { stream: await stream } : {}),
      calledOff: problem,
    };
  }
  const t0 = Date.now();
  await c.change();
  const start = c.from?.() ?? t0;
  const seen = await c.observe(
    Math.max(0, (start - Date.now()) / 1000) + c.boundS + CHANGE_SLACK_S + OVERRUN_S,
  );
  if (seen !== undefined) await sleep(TAIL_MS);
  const samples = await loop.stop();
  const seconds = seen === undefined ? undefined : (seen - start) / 1000;
  return {
    ...(seconds !== undefined ? { seconds } : {}),
    boundS: c.boundS,
    inTime: seconds !== undefined && seconds <= c.boundS + CHANGE_SLACK_S,
    loss: lossAround(samples, t0, seen, c.recovery),
    ...(stream !== undefined ? { stream: await stream } : {}),
  };
}
