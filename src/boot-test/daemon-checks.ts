/**
 * The checks of a director's daemons, one shape for every row of the daemon table (src/runtime/daemons.ts): it
 * runs (a pid), and after a kill -9 the supervisor starts it again (another pid). keepalived and dropbear add what
 * their restart must also bring back (the table, the listeners). Pure.
 */
import type { DaemonName } from '../runtime/daemons.js';
import { normalizeRules } from './parse.js';

/** A daemon's pid before a kill -9, and after it (empty: not back, or not killed for want of a pid). */
export interface DaemonObservation {
  pid: string;
  pidAfterKill: string;
  /** The device the daemon needs, when the guest has none (so /init did not start it). */
  absent?: string;
}

/** What the daemon checks read of a boot observation. */
export interface DaemonsObserved {
  /** Per daemon of the expectation: its pid probe's output before and after a kill -9. */
  daemons?: Partial<Record<DaemonName, DaemonObservation>>;
  /** keepalived mode: `sha256sum` of its config, how many `logread` lines it wrote, the table once it is back. */
  keepalived?: { confSha256: string; logLines: string; rulesAfterKill: string };
  /** access.ssh: the director's `netstat -ltn`, before the kill -9 of dropbear and once it is back. */
  ssh?: { listeners: string; listenersAfterKill: string };
}

/** What the daemon checks expect. */
export interface DaemonsExpected {
  mode: 'rules' | 'keepalived';
  rules: string;
  /** The daemons the director runs (the rows of the daemon table whose `when` holds), in start order. */
  daemons: DaemonName[];
  keepalivedConfSha256?: string;
  ssh?: { listen: string[] };
}

/** The verdict of one check (as checks.ts reports it). */
export interface DaemonCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const NOT_RUN = 'not checked: the guest shell never answered (see the console log)';
const isPid = (s: string): boolean => /^\d+$/.test(s.trim());

/** Every expected daemon: `NAME` (it runs) and `NAME restarted` (another pid after a kill -9). */
export function checkDaemons(e: DaemonsExpected, o: DaemonsObserved): DaemonCheck[] {
  return e.daemons.flatMap((name) => {
    const d = o.daemons?.[name];
    if (d === undefined)
      return [
        { name, ok: false, detail: NOT_RUN },
        { name: `${name} restarted`, ok: false, detail: NOT_RUN },
      ];
    if (d.absent !== undefined)
      return [{ name, ok: true, detail: `not started: this guest has no ${d.absent}` }];
    const pid = d.pid.trim();
    const after = d.pidAfterKill.trim();
    const back = isPid(after) && after !== pid;
    return [
      { name, ok: isPid(pid), detail: isPid(pid) ? `pid ${pid}` : `not running (${pid || 'no pid'})` },
      {
        name: `${name} restarted`,
        ok: isPid(pid) && back,
        detail: !isPid(pid)
          ? 'not running, so not killed'
          : back
            ? `after kill -9 of pid ${pid}: pid ${after}`
            : `after kill -9 of pid ${pid}: not running again (${after || 'no pid'})`,
      },
    ];
  });
}

/** keepalived mode: its config is the rendered one, it logs, and after its restart the table is as before. */
export function checkKeepalived(e: DaemonsExpected, o: DaemonsObserved): DaemonCheck[] {
  if (e.mode !== 'keepalived') return [];
  const k = o.keepalived;
  if (k === undefined)
    return [
      { name: 'keepalived config', ok: false, detail: NOT_RUN },
      { name: 'keepalived table after restart', ok: false, detail: NOT_RUN },
    ];
  const sha = /^([0-9a-f]{64})\b/.exec(k.confSha256.trim())?.[1];
  const confOk = sha === e.keepalivedConfSha256;
  const logged = Number(k.logLines.trim()) > 0;
  const tableBack = normalizeRules(k.rulesAfterKill) === normalizeRules(e.rules);
  return [
    {
      name: 'keepalived config',
      ok: confOk && logged,
      detail: `/etc/keepalived/keepalived.conf ${
        confOk
          ? 'is the rendered one'
          : `sha256 ${sha ?? '?'} is not the rendered ${e.keepalivedConfSha256 ?? '?'}`
      }; ${logged ? `${k.logLines.trim()} keepalived lines in logread` : 'nothing from keepalived in logread'}`,
    },
    {
      name: 'keepalived table after restart',
      ok: tableBack,
      detail: tableBack ? 'as before the kill -9' : 'differs from the table before the kill -9',
    },
  ];
}

/** The local addresses of `netstat -ltn` lines (`tcp 0 0 192.168.31.11:22 0.0.0.0:* LISTEN`). Pure. */
export function parseTcpListeners(netstat: string): string[] {
  return netstat.split('\n').flatMap((l) => {
    const m = /^tcp\s+\d+\s+\d+\s+(\S+)\s+\S+\s+LISTEN/.exec(l.trim());
    return m?.[1] !== undefined ? [m[1]] : [];
  });
}

/** The expected SSH addresses among `netstat -ltn` output on the spec's ports, sorted. */
function sshListeners(e: { listen: string[] }, netstat: string): string[] {
  const ports = new Set(e.listen.map((l) => l.split(':').pop()));
  return parseTcpListeners(netstat)
    .filter((a) => ports.has(a.split(':').pop()))
    .sort();
}

/** access.ssh: port 22 (or the spec's) listens on the expected addresses only, before and after dropbear's restart. */
export function checkSshListeners(e: DaemonsExpected, o: DaemonsObserved): DaemonCheck[] {
  if (e.ssh === undefined) return [];
  const want = [...e.ssh.listen].sort();
  const verdict = (name: string, netstat: string | undefined): DaemonCheck => {
    if (netstat === undefined) return { name, ok: false, detail: NOT_RUN };
    const seen = sshListeners({ listen: want }, netstat);
    const ok = seen.join(' ') === want.join(' ');
    return {
      name,
      ok,
      detail: `listening on ${seen.join(', ') || 'nothing'}${ok ? '' : ` (expected ${want.join(', ')} only)`}`,
    };
  };
  return [
    verdict('SSH listeners', o.ssh?.listeners),
    verdict('SSH listeners after restart', o.ssh?.listenersAfterKill),
  ];
}
