import test from 'ava';
import { planPairLab, rollProblems } from '../../src/lab/pair-plan.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';

test('dsas-ha: one lab for the pair, lv2 on the same bridges through taps of its own, VRRP bounds from the spec', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const plan = planPairLab(spec, spec.directors[1]!, 4242);
  t.is(plan.base.hostname, 'lv1', 'the lab is planned from the preferred master');
  t.deepEqual(plan.instances, ['dsas_eth0', 'dsas_eth1']);
  t.deepEqual(
    plan.members.map((m) => [
      m.hostname,
      m.priority,
      m.masterDownS.toFixed(3),
      m.skewS.toFixed(3),
      m.outsideMac,
    ]),
    [
      ['lv1', 150, '3.414', '0.414', '52:54:00:35:00:11'],
      ['lv2', 100, '3.609', '0.609', '52:54:00:35:00:12'],
    ],
  );
  t.deepEqual(plan.members[1]?.nics, [
    { bridge: 'lvsbr0', tap: 'lvstap0m1', mac: '52:54:00:35:00:12' },
    { bridge: 'lvsbr1', tap: 'lvstap1m1', mac: '52:54:00:35:01:12' },
  ]);
  t.true(plan.members.every((m) => m.nics.every((n) => n.tap.length <= 15)));
  // access.metrics: each member is scraped on its own inside address; the ops host sits on the inside bridge.
  t.deepEqual(
    plan.members.map((m) => m.metricsUrl),
    ['http://192.168.31.11:9100/cgi-bin/metrics', 'http://192.168.31.12:9100/cgi-bin/metrics'],
  );
  t.deepEqual(plan.floating, ['10.10.31.100', '192.168.31.1']);
  t.is(plan.base.ops?.host.bridge, 'lvsbr1');
  // access.syslog: the log host is the ops host, and each member's lines come from its own inside address.
  t.deepEqual(plan.base.ops?.syslog, { address: '192.168.31.250', port: 514 });
  t.is(plan.base.ops?.host.cidr, '192.168.31.250/24');
  t.deepEqual(
    plan.members.map((m) => m.inside),
    ['192.168.31.11', '192.168.31.12'],
  );
  // The real servers route through the floating inside address, and the healthy table is the spec's.
  t.deepEqual(
    plan.base.realServers.map((r) => r.gateway),
    ['192.168.31.1', '192.168.31.1'],
  );
  t.is(
    plan.healthyTable,
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
  );
  // The lab client never takes an address of a member.
  const client = plan.base.client.cidr.split('/')[0];
  t.false(spec.directors.some((d) => d.interfaces.some((i) => i.address.startsWith(`${client}/`))));
});

test('a director in no pair has no failover lab', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  t.throws(() => planPairLab(spec, spec.directors[0]!), { message: /lv4 is in no pair/ });
});

test('the rolling-change fixture is images/dsas-ha.yaml with one weight changed, and the pair can roll onto it', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const { spec: next } = await loadSpec('test/fixtures/rolling/dsas-ha-reweighted.yaml');
  const strip = (s: Spec): unknown => ({ ...s, name: '', description: '' });
  const weighted = structuredClone(next);
  for (const d of weighted.directors) d.services[0]!.realServers[0]!.weight = 1;
  t.deepEqual(strip(weighted), strip(spec), "only w101's weight differs");
  t.is(next.directors[0]!.services[0]!.realServers[0]!.weight, 3);
  const from = planPairLab(spec, spec.directors[0]!, 1);
  const to = planPairLab(next, next.directors[0]!, 1);
  t.deepEqual(rollProblems(from, to), []);
  t.regex(to.healthyTable, /-r 192\.168\.31\.101:80 -m -w 3\n/);
});

test('rollProblems: another pair, other MACs, or the same table cannot be rolled onto', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const from = planPairLab(spec, spec.directors[0]!, 1);
  t.deepEqual(rollProblems(from, from), [
    'its IPVS table is the same: a rolling change onto it would show nothing',
  ]);
  const moved = structuredClone(spec);
  moved.pairs![0]!.name = 'other';
  moved.directors[1]!.interfaces[0]!.mac = '52:54:00:35:00:99';
  moved.directors[0]!.services[0]!.scheduler = 'rr';
  t.deepEqual(rollProblems(from, planPairLab(moved, moved.directors[0]!, 1)), [
    'its pair is other, not dsas',
    "its members' interfaces or MACs differ (the lab segments would not match)",
  ]);
});
