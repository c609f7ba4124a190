/**
 * A UDP scan from the client (src/lab/programs/udp-probe.mjs) of the outside address and every VIP, on each port
 * the director has a UDP socket on and the usual service ports: each must answer ICMP port unreachable, except the
 * VIP's UDP services and, with remote syslog, busybox syslogd's send socket (bound on every address, it takes
 * datagrams it never reads).
 */
import { runInNetns } from '../../lib/netns.js';
import { programPath } from '../daemon.js';
import type { LabOps } from '../plan/types.js';
import type { LabCheck } from '../tally.js';
import { accessCheck, verdict } from './types.js';

/** UDP ports a scan tries besides the director's own sockets: the usual services of a Linux box. */
export const WELL_KNOWN_UDP = [53, 67, 68, 69, 111, 123, 161, 500, 514, 1900, 4500, 5353];

/** The local UDP ports of `netstat -lun` output. Pure. */
export function udpPorts(netstat: string): number[] {
  const ports = netstat.split('\n').flatMap((l) => {
    const f = l.trim().split(/\s+/);
    return f[0] === 'udp' ? [Number(f[3]?.slice(f[3].lastIndexOf(':') + 1))] : [];
  });
  return [...new Set(ports.filter((p) => p > 0))].sort((a, b) => a - b);
}

/**
 * Each of `ports` of `address` probed from namespace `ns`: closed, answered or silent; a string: it failed. Probes
 * start 1.1 s apart (the target's ICMP rate limit); `gapMs` 0 only for a target with `net.ipv4.icmp_ratelimit = 0`.
 */
export async function probeUdp(
  ns: string,
  address: string,
  ports: number[],
  gapMs?: number,
): Promise<Record<number, string> | string> {
  const args = [
    programPath('udp-probe'),
    address,
    ports.join(','),
    ...(gapMs !== undefined ? [String(gapMs)] : []),
  ];
  const r = await runInNetns(ns, process.execPath, args, {
    reject: false,
    timeoutMs: 30_000 + ports.length * 2_000,
  });
  try {
    return JSON.parse(r.stdout) as Record<number, string>;
  } catch {
    return `probe failed (exit ${r.exitCode}): ${r.stderr.slice(0, 200)}`;
  }
}

/** The scan check: `own` are the director's UDP ports; `probe` gives each target's port states. */
export async function checkUdpScan(
  ops: Pick<LabOps, 'scan' | 'syslog'>,
  own: number[],
  probe: (address: string, ports: number[]) => Promise<Record<number, string> | string>,
): Promise<LabCheck> {
  const ephemeral = ops.syslog !== undefined ? own.filter((p) => p >= 32768) : [];
  const ports = [...new Set([...own, ...WELL_KNOWN_UDP, ...ops.scan.flatMap((s) => s.openUdp ?? [])])].sort(
    (a, b) => a - b,
  );
  const problems: string[] = [];
  const seen: string[] = [];
  const started = Date.now();
  for (const target of ops.scan) {
    const states = await probe(target.address, ports);
    if (typeof states === 'string') {
      problems.push(`${target.address}: ${states}`);
      continue;
    }
    const notClosed = ports.filter((p) => states[p] !== 'closed');
    seen.push(
      `${target.address}: ${notClosed.map((p) => `${p} ${states[p] ?? '?'}`).join(', ') || 'all closed'}`,
    );
    const allowed = new Set([...(target.openUdp ?? []), ...ephemeral]);
    const extra = notClosed.filter((p) => !allowed.has(p));
    if (extra.length > 0)
      problems.push(`${target.address} UDP ${extra.map((p) => `${p} ${states[p] ?? '?'}`).join(', ')}`);
  }
  const s = Math.round((Date.now() - started) / 1000);
  return verdict(
    `UDP scan from the client (${ports.length} ports: the director's own sockets and the usual services)`,
    problems.length === 0,
    problems.length === 0
      ? `${seen.join('; ')} (${s} s${ephemeral.length > 0 ? `; ${ephemeral.join(', ')} is syslogd's send socket` : ''})`
      : `not closed: ${problems.join('; ')}`,
  );
}

export const UDP_SCAN = accessCheck('udp-scan', 'scan', async (ctx, _scan, ops) => {
  const own = udpPorts((await ctx.guest.console.run('netstat -lun', 60_000)).output);
  return [await checkUdpScan(ops, own, (a, p) => probeUdp(ctx.plan.client.ns, a, p))];
});
