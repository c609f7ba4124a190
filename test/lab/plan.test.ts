import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { labMembers, planLab } from '../../src/lab/plan/index.js';
import { SpecError } from '../../src/lib/errors.js';
import { labNamespaces } from '../../src/lab/network.js';
import { loadSpec } from '../../src/spec/load.js';

test('dsas-lv1: a bridge per director subnet, real servers with the director as gateway, a free client address', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plan = planLab(spec, [spec.directors[0]!], 4242);
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
  const quiesced = [
    '-A -t 10.10.31.100:80 -s lc',
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
    '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0',
    '',
  ].join('\n');
  const removed = [
    '-A -t 10.10.31.100:80 -s lc',
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
    '',
  ].join('\n');
  t.deepEqual(
    plan.scenarios.map((s) => [s.name, s.change, s.expect, s.answering, s.boundS]),
    [
      [
        'w102 at weight 0 in the spec: only w101 answer',
        { kind: 'load-rules', rules: quiesced },
        { kind: 'rules', table: quiesced, weightZero: '192.168.31.102:80' },
        ['w101'],
        undefined,
      ],
      [
        'w102 removed from the spec: only w101 answer',
        { kind: 'load-rules', rules: removed },
        { kind: 'rules', table: removed },
        ['w101'],
        undefined,
      ],
    ],
  );
  t.deepEqual(plan.members, [
    {
      hostname: 'lv1',
      nics: [
        { bridge: 'lvsbr0', tap: 'lvstap0', iface: 'eth0', mac: '52:54:00:31:00:11' },
        { bridge: 'lvsbr1', tap: 'lvstap1', iface: 'eth1', mac: '52:54:00:31:01:11' },
      ],
      outsideMac: '52:54:00:31:00:11',
      inside: '192.168.31.11',
    },
  ]);
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
  const plan = planLab(spec, [spec.directors[0]!], 7);
  t.deepEqual(
    plan.realServers.map((r) => [r.name, r.bridge, r.loopbackVips]),
    [
      ['w201', 'lvsbr0', ['10.10.31.100']],
      ['w202', 'lvsbr0', ['10.10.31.100']],
    ],
  );
  t.is(plan.replyPath, 'direct');
  t.is(plan.directorMac, '52:54:00:32:00:11');
  const [quiesce, remove] = plan.scenarios;
  t.like(quiesce?.expect, { kind: 'rules', weightZero: '10.10.31.202:80' });
  const rules = (s: typeof quiesce): string => (s?.change.kind === 'load-rules' ? s.change.rules : '');
  t.regex(rules(quiesce), /^-a -t \S+:80 -r 10\.10\.31\.202:80 -g -w 0$/m);
  t.notRegex(rules(remove), /-r 10\.10\.31\.202:80 /);
  t.regex(rules(remove), /-r 10\.10\.31\.202:443 /);
  t.deepEqual(plan.client.cidr, '10.10.31.254/24');
  t.deepEqual([plan.boot.bridge, plan.boot.cidr], ['lvsbr0', '10.10.31.253/24']);
});

test('checked-example: keepalived mode, the sorry server is not a lab member, the health plan has both tables and the bound', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const plan = planLab(spec, [spec.directors[0]!], 4242);
  t.is(plan.mode, 'keepalived');
  t.deepEqual(
    plan.realServers.map((r) => r.name),
    ['w101', 'w102'],
  );
  const healthy =
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n';
  const failed =
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0\n';
  t.is(plan.healthyTable, healthy);
  // Every phase: a request loop across it, timed against the check's 5 s, no failure once the table is in.
  t.true(
    plan.scenarios.every(
      (s) => s.boundS === 5 && !s.traffic.streamChunks && s.traffic.loop && s.recovery === 'seen',
    ),
  );
  t.deepEqual(
    plan.scenarios.map((s) => [
      s.name,
      s.change,
      s.expect.kind === 'table' && s.expect.table === healthy,
      s.answering,
    ]),
    [
      ["(b) w102's HTTP server stopped: weight 0", { kind: 'stop-server', server: 'w102' }, false, ['w101']],
      ['(d) w102 back: in with its weight', { kind: 'start-server', server: 'w102' }, true, ['w101', 'w102']],
      [
        '(c) w102 answers HTTP 500: weight 0',
        { kind: 'failing-server', server: 'w102', status: 500 },
        false,
        ['w101'],
      ],
      [
        '(d) w102 back after the 500s: in with its weight',
        { kind: 'start-server', server: 'w102' },
        true,
        ['w101', 'w102'],
      ],
    ],
  );
  t.deepEqual(plan.scenarios[0]?.expect, { kind: 'table', table: failed });
  const lv1 = await loadSpec('images/dsas-lv1.yaml');
  const rules = planLab(lv1.spec, [lv1.spec.directors[0]!], 4242);
  t.is(rules.mode, 'rules');
  t.deepEqual(
    rules.scenarios.map((s) => s.change.kind),
    ['load-rules', 'load-rules'],
  );
});

test('namespace and interface names fit the kernel limits', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plan = planLab(spec, [spec.directors[0]!], 4_194_304);
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
  const plan = planLab(spec, [spec.directors[0]!], 4242);
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
  const moreOps = planLab(more, [more.directors[0]!], 4242).ops!;
  t.deepEqual(moreOps.host.extraCidrs, ['192.168.31.251/24']);
  t.deepEqual(moreOps.ntp, { served: ['192.168.31.250', '192.168.31.251'], elsewhere: ['172.16.0.1'] });
  t.true(labNamespaces(plan).includes(ops.host.ns));
  t.false(plan.boot.cidr.startsWith('192.168.31.250/'), 'the boot host keeps clear of the syslog address');
  const lv1 = (await loadSpec('images/dsas-lv1.yaml')).spec;
  t.is(planLab(lv1, [lv1.directors[0]!], 4242).ops, undefined, 'no access, no ops host');
});

/** The examples the lab cannot run, and the field that says why. */
const UNLABBED: Record<string, string> = {
  // Its only service is a fwmark one: no VIP and port for the lab's HTTP client to ask.
  'fwmark-example.yaml': '/directors/0/services',
  // A tunnelled member on a subnet of its own: the lab has a bridge per director subnet and no router.
  'mixed-example.yaml': '/realServers/4/address',
};

test('every image in images/ plans: one lab per lone director (N=1) and one per pair (N=2)', async (t) => {
  const files = readdirSync('images').filter((f) => f.endsWith('.yaml'));
  const labs: string[] = [];
  for (const f of files) {
    const { spec } = await loadSpec(path.join('images', f));
    const labbed = new Set<string>();
    for (const d of spec.directors) {
      if (labbed.has(d.hostname)) continue;
      const members = labMembers(spec, d);
      for (const m of members) labbed.add(m.hostname);
      // Examples CI only boot-tests: the lab cannot run them, and says which field stops it.
      const stops = UNLABBED[f];
      if (stops !== undefined) {
        const e = t.throws(() => planLab(spec, members, 1), { instanceOf: SpecError });
        t.is(e?.problems[0]?.pointer, stops, f);
        continue;
      }
      const plan = planLab(spec, members, 1);
      t.is(plan.members.length, members.length);
      t.true(plan.scenarios.length > 0, `${f} ${d.hostname} has scenarios`);
      t.true(plan.members.every((m) => m.nics.length === plan.bridges.length));
      labs.push(
        `${f} ${members.map((m) => m.hostname).join('+')}: ${plan.scenarios.map((s) => s.change.kind).join(', ')}`,
      );
    }
  }
  t.snapshot(labs);
});

test("the tables a lab expects are in the spec's ipvsadm dialect (1.24: spec order, not 1.31's sort)", async (t) => {
  const { spec } = await loadSpec('images/dsas-2006.yaml');
  t.is(spec.ipvsadm.version, '1.24');
  const swapped = structuredClone(spec);
  swapped.directors[0]!.services[0]!.realServers.reverse();
  const plan = planLab(swapped, [swapped.directors[0]!], 1);
  // ipvsadm 1.24 saves members in the order they were added; 1.31 would list 192.168.31.101 first.
  t.regex(plan.healthyTable, /^-A .*\n-a .*192\.168\.31\.102:80 .*\n-a .*192\.168\.31\.101:80 /);
  const quiesce = plan.scenarios[0]?.change;
  t.regex(
    quiesce?.kind === 'load-rules' ? quiesce.rules : '',
    /192\.168\.31\.102:80 -m -w 1\n.*192\.168\.31\.101:80 -m -w 0\n$/,
  );
  const lv1 = (await loadSpec('images/dsas-lv1.yaml')).spec;
  const sorted = structuredClone(lv1);
  sorted.directors[0]!.services[0]!.realServers.reverse();
  t.regex(
    planLab(sorted, [sorted.directors[0]!], 1).healthyTable,
    /192\.168\.31\.101:80 .*\n.*192\.168\.31\.102:80 /,
  );
});

test('spec problems the planner finds are SpecErrors naming the field', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const far = structuredClone(spec);
  far.realServers[1]!.address = '172.16.9.9/24';
  const e = t.throws(() => planLab(far, [far.directors[0]!], 1), { instanceOf: SpecError });
  t.is(e?.problems[0]?.pointer, '/realServers/1/address');
  t.regex(e?.message ?? '', /w102 \(172\.16\.9\.9\/24\) is on no subnet of lv1/);
  const tiny = structuredClone(spec);
  tiny.directors[0]!.interfaces[0]!.address = '10.10.31.9/30';
  tiny.directors[0]!.vips[0]!.address = '10.10.31.10';
  const full = t.throws(() => planLab(tiny, [tiny.directors[0]!], 1), { instanceOf: SpecError });
  t.is(full?.problems[0]?.pointer, '/directors/0/interfaces/0/address');
  const { spec: checked } = await loadSpec('images/checked-example.yaml');
  const away = structuredClone(checked);
  away.access!.syslog = '172.16.0.9';
  const log = t.throws(() => planLab(away, [away.directors[0]!], 1), { instanceOf: SpecError });
  t.is(log?.problems[0]?.pointer, '/access/syslog');
});
