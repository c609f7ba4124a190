/**
 * The probes of a director's daemons on its console: each daemon's pid (the probe of the daemon table), a kill -9,
 * and its pid again once the supervisor has started it; keepalived's config and log lines before, its table after;
 * dropbear's listeners before and after.
 */
import { daemon, pidCommand, type DaemonName } from '../runtime/daemons.js';
import type { DaemonObservation, DaemonsExpected, DaemonsObserved } from './daemon-checks.js';
import { normalizeRules } from './parse.js';

/** Runs one command on the guest console and returns what it printed. */
export type ConsoleRun = (command: string) => Promise<string>;

// keepalived mode: how long the table may take to settle (first checks fail, sorry server in), and a daemon to
// come back after a kill -9 (1 s supervisor pause plus its start); generous for software emulation under load.
export const SETTLE_MS = 30_000;
const POLL_MS = 500;

/** Runs `command` until `done(output)` or `boundMs` passes; returns the last output. */
export async function poll(
  run: ConsoleRun,
  command: string,
  done: (output: string) => boolean,
  boundMs: number,
): Promise<string> {
  const until = Date.now() + boundMs;
  for (;;) {
    const out = await run(command);
    if (done(out) || Date.now() >= until) return out;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * A supervised daemon: its pid, then a kill -9 and the pid of the daemon the supervisor started again (bounded
 * wait; empty when it did not come back, or when there was no pid to kill).
 */
async function observeRestart(run: ConsoleRun, name: DaemonName): Promise<DaemonObservation> {
  // A daemon of a device this guest lacks is not started (the watchdog without one): nothing to kill.
  const device = daemon(name).device;
  if (device !== undefined && (await run(`[ -e ${device} ] && echo present`)).trim() !== 'present')
    return { pid: '', pidAfterKill: '', absent: device };
  const probe = pidCommand(name);
  const pid = (await run(probe)).trim();
  if (!/^\d+$/.test(pid)) return { pid, pidAfterKill: '' };
  await run(`kill -9 ${pid}`);
  const pidAfterKill = (
    await poll(
      run,
      `p=$(${probe} 2>/dev/null); [ -n "$p" ] && [ "$p" != ${pid} ] && [ -d "/proc/$p" ] && echo "$p"`,
      (out) => /^\d+$/.test(out.trim()),
      SETTLE_MS,
    )
  ).trim();
  return { pid, pidAfterKill };
}

/** Observes every expected daemon, each killed and watched coming back, in start order. */
export async function observeDaemons(run: ConsoleRun, e: DaemonsExpected): Promise<DaemonsObserved> {
  // What a restart could change or lose is read first: keepalived's log lines sit in syslogd's ring.
  const before =
    e.mode === 'keepalived'
      ? {
          confSha256: await run('sha256sum /etc/keepalived/keepalived.conf'),
          logLines: await run('logread | grep -c Keepalived'),
        }
      : undefined;
  const listeners = e.ssh !== undefined ? await run('netstat -ltn') : undefined;
  const daemons: NonNullable<DaemonsObserved['daemons']> = {};
  for (const name of e.daemons) daemons[name] = await observeRestart(run, name);
  const observed: DaemonsObserved = { daemons };
  if (before !== undefined) {
    const back = daemons.keepalived?.pidAfterKill ?? '';
    const settled = (out: string): boolean => normalizeRules(out) === normalizeRules(e.rules);
    const rulesAfterKill = back === '' ? '' : await poll(run, 'ipvsadm -Sn', settled, SETTLE_MS);
    observed.keepalived = { ...before, rulesAfterKill };
  }
  if (listeners !== undefined) {
    const back = daemons.dropbear?.pidAfterKill ?? '';
    observed.ssh = { listeners, listenersAfterKill: back === '' ? '' : await run('netstat -ltn') };
  }
  return observed;
}
