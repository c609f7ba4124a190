/**
 * The failover lab of a director pair, planned from the spec: the lab of its preferred master (src/lab/plan.ts:
 * bridges per subnet, real servers, client), with every other member on the same bridges through taps of its own,
 * and what the checks need to know (instances, priorities, master-down intervals, MACs). Pure.
 */
import { pairOf } from '../spec/health-check.js';
import type { Director, DirectorPair, Spec } from '../spec/types.js';
import { instanceName } from '../stages/render/keepalived-conf.js';
import { vrrpTimers } from '../spec/vrrp.js';
import { formatIpvsadmRules } from '../stages/render/ipvsadm-rules.js';
import { bareAddress, resolveIpvsTable } from '../stages/render/ipvs-table.js';
import { metricsUrl, planLab, type LabPlan } from './plan.js';

/** A pair member in the lab: its taps (one per bridge, in its NIC order) and its VRRP facts. */
export interface LabMember {
  hostname: string;
  nics: { bridge: string; tap: string; mac?: string }[];
  priority: number;
  /** 3 x advert + (256 - priority) x advert / 256: how long it waits for a master before it takes over. */
  masterDownS: number;
  /** keepalived's wait before VRRP runs (`startupDelay`): a booting member takes over no sooner. */
  startupS: number;
  /** Skew time, (256 - priority) x advert / 256: the wait after a master's priority-0 advert (clean stop). */
  skewS: number;
  /** MAC of its NIC on the client's bridge (ARP answers for the VIP come from it). */
  outsideMac?: string;
  /** Its own address on the inside interface (where its syslog datagrams come from); bare. */
  inside?: string;
  /** access.metrics: its metrics URL on its inside address (the lab's ops host scrapes it). */
  metricsUrl?: string;
}

/** The whole failover lab: the master's lab plan plus the members and the pair. */
export interface PairLabPlan {
  base: LabPlan;
  pair: DirectorPair;
  members: LabMember[];
  /** Instance names, e.g. dsas_eth0. */
  instances: string[];
  /** The addresses VRRP moves (every instance's), bare. */
  floating: string[];
  /** The whole IPVS table of the spec (every real server healthy), as `ipvsadm -Sn` prints it. */
  healthyTable: string;
}

function memberOf(spec: Spec, pair: DirectorPair, d: Director, base: LabPlan, index: number): LabMember {
  const { priority, skewS, masterDownS, startupS } = vrrpTimers(pair, d.hostname);
  const nics = d.interfaces.flatMap((iface) => {
    const bridge = base.bridges.find((b) => b.iface === iface.name);
    if (bridge === undefined) return [];
    const tap = index === 0 ? bridge.tap : `${bridge.tap}m${index}`;
    return [
      { bridge: bridge.bridge, tap, ...(iface.mac !== undefined ? { mac: iface.mac.toLowerCase() } : {}) },
    ];
  });
  const outside = d.interfaces.find((i) => i.role === 'outside');
  const inside = d.interfaces.find((i) => i.role === 'inside');
  return {
    hostname: d.hostname,
    nics,
    priority,
    masterDownS,
    startupS,
    skewS,
    ...(outside?.mac !== undefined ? { outsideMac: outside.mac.toLowerCase() } : {}),
    ...(inside !== undefined ? { inside: bareAddress(inside.address) } : {}),
    ...(spec.access?.metrics !== undefined && inside !== undefined
      ? { metricsUrl: metricsUrl(inside.address, spec.access.metrics.port) }
      : {}),
  };
}

/** Plans the failover lab of the pair `director` belongs to (the preferred master's lab, plus its peers). */
export function planPairLab(spec: Spec, director: Director, pid: number = process.pid): PairLabPlan {
  const pair = pairOf(spec, director);
  if (pair === undefined) throw new Error(`${director.hostname} is in no pair`);
  const directors = pair.directors.flatMap((n) => spec.directors.filter((d) => d.hostname === n));
  const first = directors[0];
  if (first === undefined) throw new Error(`pair ${pair.name} has no members`);
  const base = planLab(spec, first, pid);
  return {
    base,
    pair,
    members: directors.map((d, i) => memberOf(spec, pair, d, base, i)),
    instances: pair.instances.map((i) => instanceName(pair, i.interface)),
    floating: pair.instances.flatMap((i) => i.addresses.map((a) => a.split('/')[0] ?? a)),
    healthyTable: formatIpvsadmRules(resolveIpvsTable(first, spec.realServers), spec.ipvsadm.version),
  };
}

/**
 * Why the pair in `to` (another spec's plan of the same pair) cannot be rolled onto from `from`: other members, other
 * NICs or MACs (the guests would not land on the same segments), or the same IPVS table (nothing to prove). Empty: it
 * can.
 */
export function rollProblems(from: PairLabPlan, to: PairLabPlan): string[] {
  const nics = (p: PairLabPlan): string =>
    JSON.stringify(p.members.map((m) => [m.hostname, m.nics.map((n) => [n.bridge, n.mac ?? ''])]));
  return [
    ...(from.pair.name !== to.pair.name ? [`its pair is ${to.pair.name}, not ${from.pair.name}`] : []),
    ...(from.members.map((m) => m.hostname).join() !== to.members.map((m) => m.hostname).join()
      ? [
          `its pair's members are ${to.members.map((m) => m.hostname).join(', ')}, not ${from.members.map((m) => m.hostname).join(', ')}`,
        ]
      : []),
    ...(nics(from) !== nics(to)
      ? ["its members' interfaces or MACs differ (the lab segments would not match)"]
      : []),
    ...(from.healthyTable === to.healthyTable
      ? ['its IPVS table is the same: a rolling change onto it would show nothing']
      : []),
  ];
}
