import test from 'ava';
import { planLab } from '../../src/lab/plan.js';
import { labNamespaces } from '../../src/lab/network.js';
import { loadSpec } from '../../src/spec/load.js';

test('dsas-lv1: a bridge per director subnet, real servers with the director as gateway, a free client address', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plan = planLab(spec, spec.directors[0]!, 4242);
  t.deepEqual(plan.bridges, [
    { bridge: 'lvsbr0', tap: 'lvstap0', iface: 'eth0', mac: '52:54:00:31:00:11', cidr: '10.10.31.11/24' },
    { bridge: 'lvsbr1', tap: 'lvstap1', iface: 'eth1', mac: '52:54:00:31:01:11', cidr: '192.168.31.11/24' },
  ]);
  t.deepEqual(
    plan.realServers.map((r) => [r.name, r.ns, r.bridge, r.cidr, r.gateway, r.port, r.host, r.body]),
    [
      [
        'w101',
        'lvsi-rs-4242-w101',
        'lvsbr1',
        '192.168.31.101/24',
        '192.168.31.11',
        80,
        'example.org',
        'w101 nano',
      ],
      [
        'w102',
        'lvsi-rs-4242-w102',
        'lvsbr1',
        '192.168.31.102/24',
        '192.168.31.11',
        80,
        'example.org',
        'w102 desu',
      ],
    ],
  );
  t.deepEqual(plan.client, {
    ns: 'lvsi-lab-4242-client',
    peer: 'lvscl0',
    bridge: 'lvsbr0',
    cidr: '10.10.31.254/24',
  });
  t.false('gateway' in plan.client, 'the client has no default route');
  t.deepEqual(plan.target, { vip: '10.10.31.100', port: 80, host: 'example.org' });
  t.deepEqual(plan.victim, {
    name: 'w102',
    dest: '192.168.31.102:80',
    flag: '-m',
    rulesQuiesced: [
      '-A -t 10.10.31.100:80 -s lc',
      '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
      '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0',
      '',
    ].join('\n'),
    rulesRemoved: [
      '-A -t 10.10.31.100:80 -s lc',
      '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
      '',
    ].join('\n'),
  });
  t.is(plan.replyPath, 'masq');
  t.deepEqual(
    plan.realServers.map((r) => r.loopbackVips),
    [[], []],
  );
  t.deepEqual(labNamespaces(plan), [
    'lvsi-lab-4242-hub',
    'lvsi-rs-4242-w101',
    'lvsi-rs-4242-w102',
    'lvsi-lab-4242-client',
    'lvsi-lab-4242-boot',
  ]);
  t.deepEqual(plan.boot, {
    ns: 'lvsi-lab-4242-boot',
    peer: 'lvsbt0',
    bridge: 'lvsbr1',
    cidr: '192.168.31.253/24',
    cidr6: 'fd6c:7673::1/64',
    bootIface: 'eth1',
    range: ['192.168.31.249', '192.168.31.252'],
  });
});

test('dr-example: real servers hold the VIP on lo, replies must bypass the director, quiesce with -g', async (t) => {
  const { spec } = await loadSpec('images/dr-example.yaml');
  const plan = planLab(spec, spec.directors[0]!, 7);
  t.deepEqual(
    plan.realServers.map((r) => [r.name, r.bridge, r.loopbackVips]),
    [
      ['w201', 'lvsbr0', ['10.10.31.100']],
      ['w202', 'lvsbr0', ['10.10.31.100']],
    ],
  );
  t.is(plan.replyPath, 'direct');
  t.is(plan.directorMac, '52:54:00:32:00:11');
  t.like(plan.victim, { name: 'w202', dest: '10.10.31.202:80', flag: '-g' });
  t.regex(plan.victim?.rulesQuiesced ?? '', /^-a -t \S+:80 -r 10\.10\.31\.202:80 -g -w 0$/m);
  t.notRegex(plan.victim?.rulesRemoved ?? '', /-r 10\.10\.31\.202:80 /);
  t.regex(plan.victim?.rulesRemoved ?? '', /-r 10\.10\.31\.202:443 /);
  t.deepEqual(plan.client.cidr, '10.10.31.254/24');
  t.deepEqual([plan.boot.bridge, plan.boot.cidr], ['lvsbr0', '10.10.31.253/24']);
});

test('checked-example: keepalived mode, the sorry server is not a lab member, the health plan has both tables and the bound', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const plan = planLab(spec, spec.directors[0]!, 4242);
  t.is(plan.mode, 'keepalived');
  t.deepEqual(
    plan.realServers.map((r) => r.name),
    ['w101', 'w102'],
  );
  t.is(plan.victim?.name, 'w102');
  t.deepEqual(plan.health, {
    healthy:
      '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
    failed:
      '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0\n',
    onFailure: 'quiesce',
    boundS: 5,
  });
  const lv1 = await loadSpec('images/dsas-lv1.yaml');
  const rules = planLab(lv1.spec, lv1.spec.directors[0]!, 4242);
  t.is(rules.mode, 'rules');
  t.false('health' in rules);
});

test('namespace and interface names fit the kernel limits', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plan = planLab(spec, spec.directors[0]!, 4_194_304);
  for (const name of [
    ...plan.bridges.flatMap((b) => [b.bridge, b.tap]),
    ...plan.realServers.map((r) => r.peer),
    plan.client.peer,
  ]) {
    t.true(name.length <= 15, name);
  }
});

test('checked-example: access plans an ops host at the syslog address, the metrics URL and the scan targets', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const plan = planLab(spec, spec.directors[0]!, 4242);
  const ops = plan.ops!;
  t.is(ops.host.cidr, '192.168.31.250/24');
  t.is(ops.host.bridge, plan.bridges.find((b) => b.iface === 'eth1')?.bridge ?? 'no eth1 bridge');
  t.deepEqual(ops.syslog, { address: '192.168.31.250', port: 514 });
  t.deepEqual(ops.metrics, { url: 'http://192.168.31.11:9100/cgi-bin/metrics' });
  t.deepEqual(ops.scan, [
    { address: '10.10.31.11', open: [] },
    { address: '10.10.31.100', open: [80], openUdp: [] },
  ]);
  t.deepEqual(ops.ssh, { hostname: 'lv4', listen: [{ address: '192.168.31.11', port: 22 }] });
  t.deepEqual(ops.ntp, { served: ['192.168.31.250'], elsewhere: [] });
  t.is(ops.host.extraCidrs, undefined, 'the NTP server is the syslog host');
  // A second NTP server on the subnet is one more address of the ops host; one off every subnet is out of reach.
  const more = {
    ...spec,
    access: { ...spec.access!, ntp: ['192.168.31.250', '192.168.31.251', '172.16.0.1'] },
  };
  const moreOps = planLab(more, more.directors[0]!, 4242).ops!;
  t.deepEqual(moreOps.host.extraCidrs, ['192.168.31.251/24']);
  t.deepEqual(moreOps.ntp, { served: ['192.168.31.250', '192.168.31.251'], elsewhere: ['172.16.0.1'] });
  t.true(labNamespaces(plan).includes(ops.host.ns));
  t.false(plan.boot.cidr.startsWith('192.168.31.250/'), 'the boot host keeps clear of the syslog address');
  const lv1 = (await loadSpec('images/dsas-lv1.yaml')).spec;
  t.is(planLab(lv1, lv1.directors[0]!, 4242).ops, undefined, 'no access, no ops host');
});
