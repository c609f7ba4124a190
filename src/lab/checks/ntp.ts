/**
 * access.ntp: the director booted with its clock at LAB_RTC_BASE (years behind); its ntpd must have brought it
 * within 2 s of the host (polled, bounded), and, with remote syslog, the step must have been logged with an offset
 * of years.
 */
import type { Guest } from '../../lib/qemu.js';
import { LAB_RTC_BASE } from '../ntp-server.js';
import { pollUntil } from '../poll.js';
import { texts, waitForSyslog } from './syslog.js';
import { accessCheck, verdict } from './types.js';

/** How close the director's clock must come to the host's, and how long it may take. */
const SKEW_S = 2;
const BOUND_S = 120;

/** The `step` line /etc/ntpd-event logs: its offset in seconds, or null. Pure. */
export function parseNtpStep(line: string): number | null {
  const m = /ntpd: step offset=([+-]?\d+(?:\.\d+)?)s/.exec(line);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** The guest's clock minus the host's, in seconds (NaN: unreadable). */
async function skewOf(guest: Guest): Promise<number> {
  const out = (await guest.console.run('date +%s', 30_000)).output;
  return Number(/^(\d+)\s*$/m.exec(out)?.[1] ?? NaN) - Date.now() / 1000;
}

export const NTP = accessCheck('ntp', 'ntp', async (ctx, ntp, ops) => {
  const name = `NTP: the clock, started at ${LAB_RTC_BASE} UTC, was set from ${ntp.served.join(', ') || 'nothing'}`;
  if (ntp.served.length === 0)
    return [
      verdict(
        name,
        false,
        `no server of access.ntp (${ntp.elsewhere.join(', ')}) is on a director subnet the lab can serve`,
      ),
    ];
  const started = Date.now();
  let skew = Number.NaN;
  await pollUntil(
    async () => {
      skew = await skewOf(ctx.guest);
      return Math.abs(skew) <= SKEW_S ? true : undefined;
    },
    { boundMs: BOUND_S * 1000, everyMs: 2000 },
  );
  const waited = Math.round((Date.now() - started) / 1000);
  const problems: string[] = [];
  if (!(Math.abs(skew) <= SKEW_S))
    problems.push(
      `after ${waited} s the director's clock is ${Number.isNaN(skew) ? 'unreadable' : `${Math.round(skew)} s off`}`,
    );
  let logged = '';
  if (ops.syslog !== undefined) {
    const [found] = await waitForSyslog(ctx.workDir, [texts(/ntpd: step offset=/)], 20_000);
    const line = found?.text;
    const offset = line !== undefined ? parseNtpStep(line) : null;
    // From 2020-01-01 to now is years: a step of less than a year was not this boot's first setting.
    if (offset === null || offset < 365 * 86400)
      problems.push(
        line === undefined
          ? 'no "ntpd: step" line at the syslog receiver'
          : `step of ${offset ?? '?'} s: less than the years behind`,
      );
    else logged = `; step logged: offset +${offset.toFixed(0)} s`;
  }
  const others = ntp.elsewhere.length > 0 ? ` (${ntp.elsewhere.join(', ')} not reachable in the lab)` : '';
  return [
    verdict(
      name,
      problems.length === 0,
      problems.length === 0
        ? `within ${Math.abs(skew).toFixed(1)} s of the host${logged}${others}`
        : problems.join('; '),
    ),
  ];
});
