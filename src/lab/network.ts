/**
 * Creates and removes the lab's namespaces, bridges, taps and veth pairs through src/lib/netns.ts. Deleting a
 * namespace deletes every interface inside it, so teardown is one `ip netns delete` per namespace.
 */
import { run as realRun, type Run } from '../lib/exec.js';
import { createBridge, createNetns, createTap, createVethPair, deleteNetns } from '../lib/netns.js';
import type { LabHost, LabPlan } from './plan/types.js';

type Topology = Pick<LabPlan, 'hub' | 'bridges' | 'realServers' | 'client' | 'boot' | 'ops'> & {
  members?: LabPlan['members'];
};

/** Every namespace the lab creates, hub first. */
export function labNamespaces(plan: Topology): string[] {
  return [
    plan.hub,
    ...plan.realServers.map((r) => r.ns),
    plan.client.ns,
    plan.boot.ns,
    ...(plan.ops !== undefined ? [plan.ops.host.ns] : []),
  ];
}

async function attachHost(plan: Topology, host: LabHost, run: Run): Promise<void> {
  await createVethPair(
    { ns: host.ns, ifname: 'eth0', cidr: host.cidr },
    { ns: plan.hub, ifname: host.peer },
    run,
  );
  await run('ip', ['-n', plan.hub, 'link', 'set', host.peer, 'master', host.bridge], { timeoutMs: 15_000 });
  for (const cidr of host.extraCidrs ?? [])
    await run('ip', ['-n', host.ns, 'addr', 'add', cidr, 'dev', 'eth0'], { timeoutMs: 15_000 });
  if (host.cidr6 !== undefined)
    await run('ip', ['-n', host.ns, '-6', 'addr', 'add', host.cidr6, 'dev', 'eth0', 'nodad'], {
      timeoutMs: 15_000,
    });
  // NOTE: the only default route of a lab namespace points at the director guest, inside the lab.
  if (host.gateway !== undefined)
    await run('ip', ['-n', host.ns, 'route', 'add', 'default', 'via', host.gateway], { timeoutMs: 15_000 });
}

/** Builds the lab's network (every member's taps too); on failure removes what it made and rethrows. */
export async function createLabNetwork(plan: Topology, run: Run = realRun): Promise<void> {
  try {
    for (const ns of labNamespaces(plan)) await createNetns(ns, run);
    // Bridges carry no address: the hub only switches frames between the guests and the lab hosts.
    for (const b of plan.bridges) await createBridge({ ns: plan.hub, ifname: b.bridge }, run);
    const taps = plan.members?.flatMap((m) => m.nics) ?? plan.bridges;
    for (const t of taps) await createTap({ ns: plan.hub, ifname: t.tap, bridge: t.bridge }, run);
    const ops = plan.ops !== undefined ? [plan.ops.host] : [];
    for (const host of [...plan.realServers, plan.client, plan.boot, ...ops])
      await attachHost(plan, host, run);
  } catch (err) {
    await removeLabNetwork(plan, run);
    throw err;
  }
}

/** Deletes every namespace of the lab (and with them its bridges, taps and veths); no error if already gone. */
export async function removeLabNetwork(plan: Topology, run: Run = realRun): Promise<void> {
  for (const ns of labNamespaces(plan).reverse()) await deleteNetns(ns, run);
}
