import test from 'ava';
import { labMembers, planLab, rollProblems, rollSteps, type LabPlan } from '../../src/lab/plan/index.js';
import { SpecError } from '../../src/lib/errors.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Director, Spec } from '../../src/spec/types.js';

const pairLab = (spec: Spec, d: Director, pid: number): LabPlan => planLab(spec, labMembers(spec, d), pid);

test('dsas-ha: one lab for the pair, lv2 on the same bridges through taps of its own, VRRP bounds from the spec', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const plan = pairLab(spec, spec.directors[1]!, 4242);
  t.is(plan.hostname, 'lv1', 'the lab is planned from the preferred master');
  t.deepEqual(plan.pair?.instances, ['dsas_eth0', 'dsas_eth1']);
  t.deepEqual(
    plan.members.map((m) => [
      m.hostname,
      m.vrrp?.priority,
      m.vrrp?.masterDownS.toFixed(3),
      m.vrrp?.skewS.toFixed(3),
      m.outsideMac,
    ]),
    [
      ['lv1', 150, '3.414', '0.414', '52:54:00:35:00:11'],
      ['lv2', 100, '3.609', '0.609', '52:54:00:35:00:12'],
    ],
  );
  t.deepEqual(plan.members[1]?.nics, [
    { bridge: 'lvsbr0', tap: 'lvstap0m1', iface: 'eth0', mac: '52:54:00:35:00:12' },
    { bridge: 'lvsbr1', tap: 'lvstap1m1', iface: 'eth1', mac: '52:54:00:35:01:12' },
  ]);
  t.true(plan.members.every((m) => m.nics.every((n) => n.tap.length <= 15)));
  // access.metrics: each member is scraped on its own inside address; the ops host sits on the inside bridge.
  t.deepEqual(
    plan.members.map((m) => m.metricsUrl),
    ['http://192.168.31.11:9100/cgi-bin/metrics', 'http://192.168.31.12:9100/cgi-bin/metrics'],
  );
  t.deepEqual(plan.pair?.floating, ['10.10.31.100', '192.168.31.1']);
  t.is(plan.ops?.host.bridge, 'lvsbr1');
  // access.syslog: the log host is the ops host, and each member's lines come from its own inside address.
  t.deepEqual(plan.ops?.syslog, { address: '192.168.31.250', port: 514 });
  t.is(plan.ops?.host.cidr, '192.168.31.250/24');
  t.deepEqual(
    plan.members.map((m) => m.inside),
    ['192.168.31.11', '192.168.31.12'],
  );
  // The real servers route through the floating inside address, and the healthy table is the spec's.
  t.deepEqual(
    plan.realServers.map((r) => r.gateway),
    ['192.168.31.1', '192.168.31.1'],
  );
  t.is(
    plan.healthyTable,
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
  );
  // The lab client never takes an address of a member.
  const client = plan.client.cidr.split('/')[0];
  t.false(spec.directors.some((d) => d.interfaces.some((i) => i.address.startsWith(`${client}/`))));
  // The scenarios: kill the master (the backup's master-down bound), its return (preempt: from its ready line), a
  // clean stop of the master (the backup's skew).
  const who = (x: { kind: string; member?: string }): string => `${x.kind} ${x.member ?? ''}`;
  t.deepEqual(
    plan.scenarios.map(
      (s) =>
        `${s.name}: ${who(s.change)} -> ${who(s.expect)} within ${s.boundS?.toFixed(3) ?? '-'} s from ` +
        `${s.from ?? 'change'}, stream ${s.traffic.streamChunks ?? 0}, recovery ${s.recovery}`,
    ),
    [
      'hard failure: lv1 killed, lv2 takes over: kill-member lv1 -> master lv2 within 3.609 s from change, stream 150, recovery answered',
      'lv1 boots again: preempt takes the VIPs back: boot-member lv1 -> master lv1 within 4.414 s from ready, stream 250, recovery answered',
      'clean stop: keepalived on lv1 stopped, lv2 takes over: stop-keepalived lv1 -> master lv2 within 0.609 s from change, stream 150, recovery answered',
    ],
  );
  t.true(plan.scenarios.every((s) => s.traffic.loop));
  t.deepEqual(
    plan.scenarios.map((s) =>
      (s.then ?? []).map((f) => `${f.check} ${f.holder} [${f.living.join(',')}]: ${f.label}`),
    ),
    [
      [
        'arp-owner lv2 [lv2]: after the kill: only lv2 answers ARP',
        'vip-held lv2 [lv2]: after the kill: metrics say lv2 holds the floating addresses',
        "master-logged lv2 [lv2]: after the kill: the log host got lv2's MASTER line",
      ],
      [
        'arp-owner lv1 [lv1,lv2]: back: only lv1 answers ARP',
        'vip-held lv1 [lv1,lv2]: back: metrics say lv1 holds them again',
        "master-logged lv1 [lv1,lv2]: back: the log host got lv1's MASTER line",
      ],
      ["master-logged lv2 [lv1,lv2]: clean stop: the log host got lv2's MASTER line"],
    ],
  );
  // The rolling change: lv1 (stopped last) onto the new build takes the addresses back by preempt; then lv2.
  t.deepEqual(rollSteps(plan, plan.members), [
    {
      name: 'lv1 back on the new build preempts',
      change: { kind: 'boot-member', member: 'lv1' },
      master: 'lv1',
    },
    { name: 'lv2 back on the new build', change: { kind: 'boot-member', member: 'lv2' } },
  ]);
});

test('a lone director is a lab of one; two directors that are no pair are a spec problem', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const lone = planLab(spec, labMembers(spec, spec.directors[0]!), 1);
  t.is(lone.members.length, 1);
  t.is(lone.pair, undefined);
  const two = [spec.directors[0]!, { ...spec.directors[0]!, hostname: 'lv9' }];
  t.throws(() => planLab(spec, two, 1), { instanceOf: SpecError, message: /lv4 is in no pair/ });
});

test('dr-pair-example (nopreempt): the return leaves the VIPs on dr2, the clean stop is on dr2, the roll fails over by hand', async (t) => {
  const { spec } = await loadSpec('images/dr-pair-example.yaml');
  const plan = pairLab(spec, spec.directors[0]!, 1);
  t.false(plan.pair?.preempt);
  const [, back, stop] = plan.scenarios;
  t.like(back, { change: { kind: 'boot-member', member: 'dr1' }, expect: { kind: 'stays', member: 'dr2' } });
  t.is(back?.boundS, undefined, 'nothing to time: nobody may take over');
  t.like(stop, {
    change: { kind: 'stop-keepalived', member: 'dr2' },
    expect: { kind: 'master', member: 'dr1' },
  });
  t.deepEqual(
    rollSteps(plan, plan.members).map((s) => [s.change.kind, s.change.member, s.master]),
    [
      ['boot-member', 'dr2', undefined],
      ['stop-keepalived', 'dr1', 'dr2'],
      ['boot-member', 'dr1', undefined],
    ],
  );
});

test('the rolling-change fixture is images/dsas-ha.yaml with one weight changed, and the pair can roll onto it', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const { spec: next } = await loadSpec('test/fixtures/rolling/dsas-ha-reweighted.yaml');
  const strip = (s: Spec): unknown => ({ ...s, name: '', description: '' });
  const weighted = structuredClone(next);
  for (const d of weighted.directors) d.services[0]!.realServers[0]!.weight = 1;
  t.deepEqual(strip(weighted), strip(spec), "only w101's weight differs");
  t.is(next.directors[0]!.services[0]!.realServers[0]!.weight, 3);
  const from = pairLab(spec, spec.directors[0]!, 1);
  const to = pairLab(next, next.directors[0]!, 1);
  t.deepEqual(rollProblems(from, to), []);
  t.regex(to.healthyTable, /-r 192\.168\.31\.101:80 -m -w 3\n/);
});

test('rollProblems: another pair, other MACs, or the same table cannot be rolled onto', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const from = pairLab(spec, spec.directors[0]!, 1);
  t.deepEqual(rollProblems(from, from), [
    'its IPVS table is the same: a rolling change onto it would show nothing',
  ]);
  const moved = structuredClone(spec);
  moved.pairs![0]!.name = 'other';
  moved.directors[1]!.interfaces[0]!.mac = '52:54:00:35:00:99';
  moved.directors[0]!.services[0]!.scheduler = 'rr';
  t.deepEqual(rollProblems(from, pairLab(moved, moved.directors[0]!, 1)), [
    'its pair is other, not dsas',
    "its members' interfaces or MACs differ (the lab segments would not match)",
  ]);
});
