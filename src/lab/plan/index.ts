/**
 * The one lab planner, for N directors: a lone director is N=1, a pair N=2. It reads each director's resolved
 * model (src/director) and the spec's lab sections of the real servers. The topology comes from the first member
 * (a pair's members share their subnets); every other member gets taps of its own on the same bridges. Pure:
 * src/lab/index.ts builds and runs what it returns.
 */
import { SpecError } from '../../lib/errors.js';
import { labName } from '../../lib/netns.js';
import { pairOf } from '../../spec/health-check.js';
import type { Director, Spec } from '../../spec/types.js';
import { planAccess } from './access.js';
import { directorModel, healthyRules, metricsUrl, type DirectorModel } from './director-facts.js';
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

function planMember(d: DirectorModel, bridges: LabBridge[], index: number): LabMember {
  const nics = d.interfaces.flatMap((iface) => {
    const b = bridges.find((x) => x.iface === iface.name);
    if (b === undefined) return [];
    const tap = index === 0 ? b.tap : `${b.tap}m${index}`;
    return [{ bridge: b.bridge, tap, iface: iface.name, ...(iface.mac !== null ? { mac: iface.mac } : {}) }];
  });
  const outside = d.interfaces.find((i) => i.role === 'outside');
  const inside = d.interfaces.find((i) => i.role === 'inside');
  const t = d.pair?.timers;
  return {
    hostname: d.hostname,
    nics,
    ...(outside?.mac != null ? { outsideMac: outside.mac } : {}),
    ...(inside !== undefined ? { inside: inside.address } : {}),
    ...(d.access.metrics !== null ? { metricsUrl: metricsUrl(d.access.metrics) } : {}),
    ...(t !== undefined
      ? { vrrp: { priority: t.priority, masterDownS: t.masterDownS, startupS: t.startupS, skewS: t.skewS } }
      : {}),
  };
}

function planPair(pair: NonNullable<DirectorModel['pair']>): LabPair {
  return {
    name: pair.name,
    preempt: pair.preempt,
    preemptDelayS: pair.preemptDelay,
    instances: pair.instances.map((i) => i.name),
    floating: pair.instances.flatMap((i) => i.addresses.map((a) => a.address)),
  };
}

/** Plans the lab of `directors` (one, or a pair's members); `pid` keeps namespace and interface names unique. */
export function planLab(spec: Spec, directors: readonly Director[], pid: number = process.pid): LabPlan {
  const models = directors.map((d) => directorModel(spec, d));
  const first = models[0];
  if (first === undefined)
    throw new SpecError({ pointer: '/directors', message: 'the lab needs a director' });
  const at = `/directors/${spec.directors.findIndex((d) => d.hostname === first.hostname)}`;
  if (models.length > 1 && first.pair === null)
    throw new SpecError({
      pointer: at,
      message: `${first.hostname} is in no pair: the lab boots a pair's members together`,
    });
  const service = first.ipvs.services.find((s) => s.protocol === 'tcp' && s.fwmark === 0);
  if (service === undefined)
    throw new SpecError({
      pointer: `${at}/services`,
      message: `${first.hostname} has no tcp service with a vip for the lab client to ask`,
      hint: 'the lab sends HTTP to the first tcp service; give the director one',
    });
  const bridges = planBridges(first);
  const realServers = planRealServers(spec, first, bridges, pid);
  const used = usedAddresses(spec, models);
  const { client, boot } = planClientAndBoot(first, bridges, used, pid, at);
  const ops = planAccess(first, bridges, used, pid, at);
  const methods = new Set(
    service.dests.map((d): 'masq' | 'direct' => (d.forwarding === 'masq' ? 'masq' : 'direct')),
  );
  const replyPath = methods.size === 1 ? [...methods][0] : undefined;
  const vipIface = first.vips.find((v) => v.address === service.vip)?.interface;
  const vipMac = first.interfaces.find((i) => i.name === vipIface)?.mac ?? undefined;
  const host = realServers.find((r) => r.host !== undefined)?.host;
  const members = models.map((m, i) => planMember(m, bridges, i));
  const pair = models.length > 1 && first.pair !== null ? planPair(first.pair) : undefined;
  const base = {
    hostname: first.hostname,
    hub: labName('lab', 'hub', pid),
    bridges,
    realServers,
    client,
    boot,
    target: { vip: service.vip, port: service.port, ...(host !== undefined ? { host } : {}) },
    ...(vipMac !== undefined ? { directorMac: vipMac } : {}),
    ...(replyPath !== undefined ? { replyPath } : {}),
    mode: first.mode,
    ...(ops !== undefined ? { ops } : {}),
    members,
    ...(pair !== undefined ? { pair } : {}),
    healthyTable: healthyRules(first),
  };
  const scenarios =
    pair !== undefined ? pairScenarios(base, members) : directorScenarios(first, service, base);
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
