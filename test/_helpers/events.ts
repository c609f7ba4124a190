/**
 * Waiting for a server's log event in a test. A client can exit before the in-process server has handled its
 * last packet (atftp sends the final ACK and quits; the server logs the transfer when that ACK arrives), so an
 * event is awaited, with a bound, instead of looked up once.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The first event matching `pred`, waiting up to `ms`; undefined when none came in time. */
export async function eventSoon<T>(
  events: readonly T[],
  pred: (e: T) => boolean,
  ms = 10_000,
): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = events.find(pred);
    if (found !== undefined || Date.now() >= deadline) return found;
    await sleep(10);
  }
}
