/**
 * The one lab planner, for N directors: a lone director is N=1, a pair N=2. The topology comes from the first
 * member (a pair's members share their subnets); every other member gets taps of its own on the same bridges.
 * Pure: src/lab/index.ts builds and runs what it returns.
 */
import { SpecError } from '../../lib/errors.js';
import { labName } from '../../lib/netns.js';
import { directorMode, pairOf } from '../../spec/health-check.js';
import type { Director, DirectorPair, Spec } from '../../spec/types.js';
import { vrrpTimers } from '../../spec/vrrp.js';
import { instanceName } from '../../stages/render/keepalived-conf.js';
import { planAccess } from './access.js';
import { bareAddress, ipvsRules, metricsUrl, syslogTarget } from './director-facts.js';
import { directorScenarios, pairScenarios } from './scenarios.js';
import { planBridges, planClientAndBoot, planRealServers, usedAddresses } from './topology.js';
import type { LabBridge, LabMember, LabPair, LabPlan } from './types.js';

export type * from './types.js';
export { rollSteps, type RollStep } from './scenarios.js';

/** The directors one lab boots for `director`: its pair's members (in the pair's order), or itself alone. */
export function labMembers(spec: Spec, director: Director): Director[] {
  const pair = pairOf(spec, director);
  if (pair === undefined) return [director];
  return pair.directors.flatMap((n) => spec.directors.filter((d) => d.hostname === n));
}

function planMember(
  spec: Spec,
  d: Director,
  bridges: LabBridge[],
  index: number,
  pair?: DirectorPair,
): LabMember {
  const nics = d.interfaces.flatMap((iface) => {
    const b = bridges.find((x) => x.iface === iface.name);
    if (b === undefined) return [];
    const mac = iface.mac?.toLowerCase();
    return [
      {
        bridge: b.bridge,
        tap: index === 0 ? b.tap : `${b.tap}m${index}`,
        iface: iface.name,
        ...(mac !== undefined ? { mac } : {}),
      },
    ];
  });
  const outside = d.interfaces.find((i) => i.role === 'outside');
  const inside = d.interfaces.find((i) => i.role === 'inside');
  const timers = pair !== undefined ? vrrpTimers(pair, d.hostname) : undefined;
  return {
    hostname: d.hostname,
    nics,
    ...(outside?.mac !== undefined ? { outsideMac: outside.mac.toLowerCase() } : {}),
    ...(inside !== undefined ? { inside: bareAddress(inside.address) } : {}),
    ...(spec.access?.metrics !== undefined && inside !== undefined
      ? { metricsUrl: metricsUrl(inside.address, spec.access.metrics.port) }
      : {}),
    ...(timers !== undefined
      ? {
          vrrp: {
            priority: timers.priority,
            masterDownS: timers.masterDownS,
            startupS: timers.startupS,
            skewS: timers.skewS,
          },
        }
      : {}),
  };
}

function planPair(pair: DirectorPair): LabPair {
  return {
    name: pair.name,
    preempt: pair.preempt !== false,
    preemptDelayS: pair.preemptDelay ?? 0,
    instances: pair.instances.map((i) => instanceName(pair, i.interface)),
    floating: pair.instances.flatMap((i) => i.addresses.map(bareAddress)),
  };
}

/** Plans the lab of `directors` (one, or a pair's members); `pid` keeps namespace and interface names unique. */
export function planLab(spec: Spec, directors: readonly Director[], pid: number = process.pid): LabPlan {
  const first = directors[0];
  if (first === undefined)
    throw new SpecError({ pointer: '/directors', message: 'the lab needs a director' });
  const at = `/directors/${spec.directors.indexOf(first)}`;
  const pairSpec = directors.length > 1 ? pairOf(spec, first) : undefined;
  if (directors.length > 1 && pairSpec === undefined)
    throw new SpecError({
      pointer: at,
      message: `${first.hostname} is in no pair: the lab boots a pair's members together`,
    });
  const service = first.services.find((s) => s.protocol === 'tcp' && s.vip !== undefined);
  if (service?.vip === undefined)
    throw new SpecError({
      pointer: `${at}/services`,
      message: `${first.hostname} has no tcp service with a vip for the lab client to ask`,
      hint: 'the lab sends HTTP to the first tcp service; give the director one',
    });
  const bridges = planBridges(first);
  const realServers = planRealServers(spec, first, bridges, pid);
  const syslogHost = spec.access?.syslog !== undefined ? syslogTarget(spec.access.syslog).host : undefined;
  const used = usedAddresses(spec, directors, syslogHost);
  const { client, boot } = planClientAndBoot(first, bridges, used, pid, at);
  const ops = planAccess(spec, first, bridges, used, pid);
  const methods = new Set(
    service.realServers.map((m): 'masq' | 'direct' => (m.forwarding === 'masq' ? 'masq' : 'direct')),
  );
  const replyPath = methods.size === 1 ? [...methods][0] : undefined;
  const vipIface = first.vips.find((v) => v.address === service.vip)?.interface;
  const vipMac = first.interfaces.find((i) => i.name === vipIface)?.mac?.toLowerCase();
  const host = realServers.find((r) => r.host !== undefined)?.host;
  const members = directors.map((d, i) => planMember(spec, d, bridges, i, pairSpec));
  const pair = pairSpec !== undefined ? planPair(pairSpec) : undefined;
  const base = {
    hostname: first.hostname,
    hub: labName('lab', 'hub', pid),
    bridges,
    realServers,
    client,
    boot,
    target: { vip: service.vip, port: service.port ?? 80, ...(host !== undefined ? { host } : {}) },
    ...(vipMac !== undefined ? { directorMac: vipMac } : {}),
    ...(replyPath !== undefined ? { replyPath } : {}),
    mode: directorMode(spec, first),
    ...(ops !== undefined ? { ops } : {}),
    members,
    ...(pair !== undefined ? { pair } : {}),
    healthyTable: ipvsRules(spec, first),
  };
  const scenarios =
    pair !== undefined ? pairScenarios(base, members) : directorScenarios(spec, first, service, base);
  return { ...base, scenarios };
}

/**
 * Why the pair lab `to` (another spec's plan of the same pair) cannot be rolled onto from `from`: other members,
 * other NICs or MACs (the guests would not land on the same segments), or the same IPVS table (nothing to prove).
 * Empty: it can.
 */
export function rollProblems(from: LabPlan, to: LabPlan): string[] {
  const names = (p: LabPlan): string => p.members.map((m) => m.hostname).join(', ');
  const nics = (p: LabPlan): string =>
    JSON.stringify(p.members.map((m) => [m.hostname, m.nics.map((n) => [n.bridge, n.mac ?? ''])]));
  return [
    ...(from.pair?.name !== to.pair?.name
      ? [`its pair is ${to.pair?.name ?? 'none'}, not ${from.pair?.name ?? 'none'}`]
      : []),
    ...(names(from) !== names(to) ? [`its pair's members are ${names(to)}, not ${names(from)}`] : []),
    ...(nics(from) !== nics(to)
      ? ["its members' interfaces or MACs differ (the lab segments would not match)"]
      : []),
    ...(from.healthyTable === to.healthyTable
      ? ['its IPVS table is the same: a rolling change onto it would show nothing']
      : []),
  ];
}
