/**
 * The director's own sockets (`netstat -ltun`): TCP listeners only on the inside address or loopback (and where
 * access.ssh says SSH listens); UDP likewise, except one socket on a wildcard ephemeral port when syslog goes
 * remote (busybox syslogd's send socket: the kernel binds it on the first send and syslogd never reads it; busybox
 * netstat has no -p to name its owner).
 */
import type { LabOps } from '../plan/types.js';
import type { LabCheck } from '../tally.js';
import { accessCheck, verdict } from './types.js';

/** The listeners check over `netstat -ltun` output. Pure. */
export function judgeListeners(netstat: string, ops: LabOps): LabCheck {
  const inside = ops.metrics?.url.replace(/^http:\/\/([^:]+):.*$/, '$1');
  const problems: string[] = [];
  const listeners: string[] = [];
  let sendOnly = ops.syslog !== undefined ? 1 : 0;
  for (const line of netstat.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'tcp' && f[0] !== 'udp') continue;
    const local = f[3] ?? '';
    const host = local.slice(0, local.lastIndexOf(':'));
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    listeners.push(`${f[0]} ${local}`);
    if (host === '127.0.0.1' || (inside !== undefined && host === inside)) continue;
    if (f[0] === 'tcp' && ops.ssh?.listen.some((l) => `${l.address}:${l.port}` === local) === true) continue;
    if (f[0] === 'udp' && host === '0.0.0.0' && port >= 32768 && sendOnly > 0) {
      sendOnly--;
      continue;
    }
    problems.push(`${f[0]} ${local}`);
  }
  return verdict(
    'director sockets: listening only on the inside address',
    problems.length === 0,
    problems.length === 0 ? listeners.join('; ') || 'none' : `listening elsewhere: ${problems.join('; ')}`,
  );
}

export const LISTENERS = accessCheck('listeners', 'scan', async (ctx, _scan, ops) => [
  judgeListeners((await ctx.guest.console.run('netstat -ltun', 60_000)).output, ops),
]);
