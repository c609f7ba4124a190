/**
 * The lab's one polling loop: ask a probe again and again, a pause apart, until it returns a value or a bound
 * passes. Every wait of the lab (a console line, a table, a syslog line, a synced connection, a server that
 * answers) is this loop with its own probe, so a bound always means the same thing.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A value a probe found, and when the probe that found it started (ms since the epoch). */
export interface Found<T> {
  value: T;
  at: number;
}

/** How long to poll and how often. */
export interface PollOptions {
  /** Give up once this much has passed since the first probe started. */
  boundMs: number;
  /** Pause between the end of one probe and the start of the next. */
  everyMs: number;
}

/**
 * Runs `probe` until it returns something other than undefined (that value, with the start time of the probe
 * that found it) or `boundMs` passes (undefined). The probe runs at least once and once more at the bound; one
 * still running when the bound passes is let finish, and counts.
 */
export async function pollUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  o: PollOptions,
): Promise<Found<T> | undefined> {
  const until = Date.now() + o.boundMs;
  for (;;) {
    const at = Date.now();
    const value = await probe();
    if (value !== undefined) return { value, at };
    const left = until - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(o.everyMs, left));
  }
}

/** pollUntil for a yes/no condition: whether it came true within the bound, and when. */
export async function pollFor(
  done: () => boolean | Promise<boolean>,
  o: PollOptions,
): Promise<number | undefined> {
  return (await pollUntil(async () => ((await done()) ? true : undefined), o))?.at;
}
