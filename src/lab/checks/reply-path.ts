/**
 * Which way the replies took: iptables counters in the client namespace count packets from the VIP, and those
 * among them that carry the director's MAC. Under NAT every reply comes back through the director; under
 * direct routing none does (the director sees only the inbound half).
 */
import { run as realRun, type Run } from '../../lib/exec.js';
import { runInNetns, systemTool } from '../../lib/netns.js';
import { ask } from '../client.js';
import type { LabCheck } from '../tally.js';
import { verdict, type LabCheckModule } from './types.js';

/** Replies from the VIP: all of them, and those relayed by the director. */
export interface ReplyCounts {
  total: number;
  viaDirector: number;
}

/** Reads the packet counters of the two counting rules out of `iptables -L INPUT -v -n -x` (pure). */
export function parseReplyCounters(listing: string): ReplyCounts | undefined {
  const rows = listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+\s+\d+\s/.test(l));
  const viaDirector = rows.find((l) => / MAC /i.test(l));
  const total = rows.find((l) => !/ MAC /i.test(l));
  if (viaDirector === undefined || total === undefined) return undefined;
  return { total: Number(total.split(/\s+/)[0]), viaDirector: Number(viaDirector.split(/\s+/)[0]) };
}

/** Adds the counting rules (no target: they only count) in the client namespace. */
export async function startReplyCounters(
  ns: string,
  vip: string,
  directorMac: string,
  run: Run,
): Promise<void> {
  const iptables = systemTool('iptables');
  await runInNetns(
    ns,
    iptables,
    ['-w', '-A', 'INPUT', '-s', vip, '-m', 'mac', '--mac-source', directorMac],
    {},
    run,
  );
  await runInNetns(ns, iptables, ['-w', '-A', 'INPUT', '-s', vip], {}, run);
}

/** Reads the counters back. */
export async function readReplyCounters(ns: string, run: Run): Promise<ReplyCounts | undefined> {
  const { stdout } = await runInNetns(
    ns,
    systemTool('iptables'),
    ['-w', '-L', 'INPUT', '-v', '-n', '-x'],
    {},
    run,
  );
  return parseReplyCounters(stdout);
}

/** The reply-path check for a service whose members all use `forwarding` (pure). */
export function checkReplyPath(forwarding: 'masq' | 'direct', counts: ReplyCounts | undefined): LabCheck {
  const name =
    forwarding === 'masq' ? 'replies return through the director (NAT)' : 'replies bypass the director (DR)';
  if (counts === undefined) return verdict(name, false, 'could not read the client counters');
  const ok =
    counts.total > 0 &&
    (forwarding === 'masq' ? counts.viaDirector === counts.total : counts.viaDirector === 0);
  return verdict(
    name,
    ok,
    `${counts.viaDirector} of ${counts.total} reply packets from the VIP carried the director's MAC`,
  );
}

/** Counts the replies to the client's requests (a lone director whose NIC MAC the spec gives). */
export const REPLY_PATH: LabCheckModule = {
  id: 'reply-path',
  applies: (plan) =>
    plan.members.length === 1 &&
    plan.mode === 'rules' &&
    plan.directorMac !== undefined &&
    plan.replyPath !== undefined,
  run: async (ctx) => {
    const { plan } = ctx;
    if (plan.directorMac === undefined || plan.replyPath === undefined) return [];
    await startReplyCounters(plan.client.ns, plan.target.vip, plan.directorMac, realRun);
    await ask(plan, ctx.requests);
    return [checkReplyPath(plan.replyPath, await readReplyCounters(plan.client.ns, realRun))];
  },
};
