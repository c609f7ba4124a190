/**
 * The lab's scenarios, as data: for a lone director in rules mode, its table loaded with the victim (the target
 * service's last lab member) at weight 0, then without it; in keepalived mode, the victim's HTTP server stopped,
 * back, answering 500, back, each timed against the check's detection bound; for a pair, the master killed, booted
 * again, and keepalived stopped cleanly on whoever then holds the addresses, each timed against its VRRP bound, and
 * the steps of a rolling change. Pure.
 */
import { detectionBound } from '../../spec/health-check.js';
import { rulesWith, type DirectorModel, type ModelService } from './director-facts.js';
import type { FollowUp, LabChange, LabExpectation, LabMember, LabPlan, Scenario } from './types.js';

/** A stream of 150 chunks 100 ms apart (15 s), opened before each takeover. */
const STREAM_CHUNKS = 150;
/** The return under preempt waits out the startup delay and master-down interval: a longer stream (25 s). */
const RETURN_STREAM_CHUNKS = 250;
/** Past the bound, how long a `stays` expectation watches for a takeover that must not come. */
const STAYS_MARGIN_S = 2;

/** The lone director's scenarios (rules or keepalived mode); empty with fewer than two lab real servers. */
export function directorScenarios(
  director: DirectorModel,
  service: ModelService,
  plan: Pick<LabPlan, 'realServers' | 'mode' | 'healthyTable'>,
): Scenario[] {
  const labbed = new Set(plan.realServers.map((r) => r.name));
  const at = service.dests.map((d) => labbed.has(d.server)).lastIndexOf(true);
  const member = service.dests[at];
  if (member === undefined || plan.realServers.length < 2) return [];
  const victim = member.server;
  const others = plan.realServers.map((r) => r.name).filter((n) => n !== victim);
  const all = plan.realServers.map((r) => r.name);
  const quiesced = rulesWith(director, service, member, (d) => [{ ...d, weight: 0 }]);
  const removed = rulesWith(director, service, member, () => []);
  if (plan.mode === 'rules') {
    const only = `only ${others.join(', ')} answer`;
    const untimed = { traffic: { loop: false }, recovery: 'seen' as const, answering: others };
    return [
      {
        name: `${victim} at weight 0 in the spec: ${only}`,
        change: { kind: 'load-rules', rules: quiesced },
        expect: { kind: 'rules', table: quiesced, weightZero: `${member.address}:${member.port}` },
        ...untimed,
      },
      {
        name: `${victim} removed from the spec: ${only}`,
        change: { kind: 'load-rules', rules: removed },
        expect: { kind: 'rules', table: removed },
        ...untimed,
      },
    ];
  }
  const check = service.checks[at] ?? null;
  if (check === null || check.type === 'none') return [];
  const failed = check.onFailure === 'quiesce' ? quiesced : removed;
  const out = check.onFailure === 'quiesce' ? 'weight 0' : 'removed';
  const phase = (name: string, change: LabChange, table: string, answering: string[]): Scenario => ({
    name,
    change,
    expect: { kind: 'table', table },
    boundS: detectionBound(check),
    traffic: { loop: true },
    recovery: 'seen',
    answering,
  });
  return [
    phase(
      `(b) ${victim}'s HTTP server stopped: ${out}`,
      { kind: 'stop-server', server: victim },
      failed,
      others,
    ),
    phase(
      `(d) ${victim} back: in with its weight`,
      { kind: 'start-server', server: victim },
      plan.healthyTable,
      all,
    ),
    phase(
      `(c) ${victim} answers HTTP 500: ${out}`,
      { kind: 'failing-server', server: victim, status: 500 },
      failed,
      others,
    ),
    phase(
      `(d) ${victim} back after the 500s: in with its weight`,
      { kind: 'start-server', server: victim },
      plan.healthyTable,
      all,
    ),
  ];
}

/** The checks of who holds the addresses once `holder` should: ARP, metrics, the MASTER line at the log host. */
export function holderChecks(
  plan: Pick<LabPlan, 'ops'>,
  members: readonly LabMember[],
  prefix: string,
  holder: string,
  living: string[],
  what: { arp: string; held: string },
): FollowUp[] {
  const metrics = members.every((m) => m.metricsUrl !== undefined);
  return [
    { check: 'arp-owner', label: `${prefix}: ${what.arp}`, holder, living },
    ...(metrics ? [{ check: 'vip-held' as const, label: `${prefix}: ${what.held}`, holder, living }] : []),
    ...(plan.ops?.syslog !== undefined
      ? [
          {
            check: 'master-logged' as const,
            label: `${prefix}: the log host got ${holder}'s MASTER line`,
            holder,
            living,
          },
        ]
      : []),
  ];
}

function takeover(
  name: string,
  change: LabChange,
  expect: LabExpectation,
  boundS: number,
  then: FollowUp[],
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    name,
    change,
    expect,
    boundS,
    traffic: { loop: true, streamChunks: STREAM_CHUNKS },
    recovery: 'answered',
    then,
    ...extra,
  };
}

/** A pair's scenarios: hard failure of the master, its return, a clean stop of whoever holds the addresses then. */
export function pairScenarios(
  plan: Pick<LabPlan, 'ops' | 'pair'>,
  members: readonly LabMember[],
): Scenario[] {
  const [master, backup] = members;
  const pair = plan.pair;
  if (master?.vrrp === undefined || backup?.vrrp === undefined || pair === undefined) return [];
  const [m, b] = [master.hostname, backup.hostname];
  const both = [m, b];
  const held = (h: string, arp: string, heldText: string, prefix: string, living: string[]): FollowUp[] =>
    holderChecks(plan, members, prefix, h, living, { arp, held: heldText });
  const kill = takeover(
    `hard failure: ${m} killed, ${b} takes over`,
    { kind: 'kill-member', member: m },
    { kind: 'master', member: b },
    backup.vrrp.masterDownS,
    held(b, `only ${b} answers ARP`, `metrics say ${b} holds the floating addresses`, 'after the kill', [b]),
  );
  // A backup ignores adverts of a lower priority (RFC 3768 6.4.2): the returning master takes over when its
  // master-down timer expires, counted from the start of VRRP (its startup delay after about its ready line).
  const returnBound = master.vrrp.startupS + master.vrrp.masterDownS + pair.preemptDelayS;
  const back = pair.preempt
    ? takeover(
        `${m} boots again: preempt takes the VIPs back`,
        { kind: 'boot-member', member: m },
        { kind: 'master', member: m },
        returnBound,
        held(m, `only ${m} answers ARP`, `metrics say ${m} holds them again`, 'back', both),
        { from: 'ready', traffic: { loop: true, streamChunks: RETURN_STREAM_CHUNKS } },
      )
    : ({
        name: `${m} boots again: nopreempt leaves the VIPs on ${b}`,
        change: { kind: 'boot-member', member: m },
        expect: {
          kind: 'stays',
          member: b,
          waitS: master.vrrp.startupS + master.vrrp.masterDownS + STAYS_MARGIN_S,
        },
        traffic: { loop: false },
        recovery: 'seen',
        then: held(b, `only ${b} answers ARP`, `metrics say ${b} still holds them`, 'back', both).filter(
          (f) => f.check !== 'master-logged',
        ),
      } satisfies Scenario);
  const [holder, other] = pair.preempt ? [master, backup] : [backup, master];
  const stop = takeover(
    `clean stop: keepalived on ${holder.hostname} stopped, ${other.hostname} takes over`,
    { kind: 'stop-keepalived', member: holder.hostname },
    { kind: 'master', member: other.hostname },
    other.vrrp?.skewS ?? 0,
    held(other.hostname, '', '', 'clean stop', both).filter((f) => f.check === 'master-logged'),
  );
  return [kill, back, stop];
}

/** One step of a rolling change: a member rebooted onto the new build, or a clean stop to fail over to one. */
export interface RollStep {
  name: string;
  change: Extract<LabChange, { kind: 'boot-member' | 'stop-keepalived' }>;
  /** The member that must take over in this step (a takeover window), if any. */
  master?: string;
}

/**
 * The rolling change after the scenarios: the member keepalived was stopped on goes onto the new build first
 * (taking the addresses back if preempt and its priority say so, else a clean stop on the holder hands them over),
 * then the other one (taking them back likewise).
 */
export function rollSteps(plan: Pick<LabPlan, 'pair'>, members: readonly LabMember[]): RollStep[] {
  const [master, backup] = members;
  if (master === undefined || backup === undefined || plan.pair === undefined) return [];
  const preempt = plan.pair.preempt;
  const prio = (x: LabMember): number => x.vrrp?.priority ?? 0;
  let [idle, holder] = preempt ? [master, backup] : [backup, master];
  const steps: RollStep[] = [];
  const reboot = (x: LabMember, over: LabMember): boolean => {
    const takes = preempt && prio(x) > prio(over);
    steps.push({
      name: `${x.hostname} back on the new build${takes ? ' preempts' : ''}`,
      change: { kind: 'boot-member', member: x.hostname },
      ...(takes ? { master: x.hostname } : {}),
    });
    return takes;
  };
  if (!reboot(idle, holder))
    steps.push({
      name: `failover to ${idle.hostname}`,
      change: { kind: 'stop-keepalived', member: holder.hostname },
      master: idle.hostname,
    });
  [idle, holder] = [holder, idle];
  reboot(idle, holder);
  return steps;
}
