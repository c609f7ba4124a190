/** Who answers ARP for the VIP on the client's segment (busybox arping, 3 probes): exactly the holder's MAC. */
import { runInNetns } from '../../lib/netns.js';
import type { LabCheck } from '../tally.js';
import type { FollowUpCheck } from './follow-up.js';
import { verdict } from './types.js';

/** MACs that answer ARP for `address` from namespace `ns` on its eth0 (lower case, each once). */
export async function arpOwners(ns: string, address: string): Promise<string[]> {
  const r = await runInNetns(ns, 'busybox', ['arping', '-c', '3', '-w', '3', '-I', 'eth0', address], {
    reject: false,
    timeoutMs: 15_000,
  });
  return [...new Set([...r.stdout.matchAll(/\[([0-9a-f:]{17})\]/gi)].map((m) => (m[1] ?? '').toLowerCase()))];
}

/** The check: only `mac` (of `hostname`) answered. Pure. */
export function judgeArpOwners(
  name: string,
  owners: string[],
  hostname: string,
  mac: string | undefined,
): LabCheck {
  return verdict(
    name,
    owners.length === 1 && owners[0] === mac,
    `ARP for the VIP answered by ${owners.join(', ') || 'nobody'} (${hostname} is ${mac ?? '?'})`,
  );
}

export const ARP_OWNER: FollowUpCheck = async (ctx, f) => {
  const holder = ctx.plan.members.find((m) => m.hostname === f.holder);
  return judgeArpOwners(
    f.label,
    await arpOwners(ctx.plan.client.ns, ctx.plan.target.vip),
    f.holder,
    holder?.outsideMac,
  );
};
