import test from 'ava';
import { planPairLab } from '../../src/lab/pair-plan.js';
import { loadSpec } from '../../src/spec/load.js';

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
