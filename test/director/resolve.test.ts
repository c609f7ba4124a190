import test from 'ava';
import { readdirSync } from 'node:fs';
import { resolveDirector } from '../../src/director/resolve.js';
import type { DirectorModel } from '../../src/director/types.js';
import { SpecError } from '../../src/lib/errors.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { makeSpec } from '../_helpers/make-spec.js';

const IMAGES = readdirSync('images').filter((f) => /\.ya?ml$/.test(f));

test('there are images to resolve', (t) => {
  t.true(IMAGES.length >= 7);
});

for (const file of IMAGES) {
  test(`every director of images/${file} resolves, deterministically, and survives JSON`, async (t) => {
    const { spec } = await loadSpec(`images/${file}`);
    for (const d of spec.directors) {
      const model = resolveDirector(spec, d);
      t.is(model.hostname, d.hostname);
      t.deepEqual(JSON.parse(JSON.stringify(model)), model);
      t.deepEqual(resolveDirector(spec, d), model);
      // The counts are the table's, and the rules list every service and member once.
      t.is(model.ipvs.rules.filter((l) => l.startsWith('-A ')).length, model.counts.services);
      t.is(model.ipvs.rules.filter((l) => l.startsWith('-a ')).length, model.counts.realServers);
    }
  });
}

/** Facts of one image's first director (or the one named), as the model must state them. */
const FACTS: [string, string | undefined, (m: DirectorModel) => unknown, unknown][] = [
  [
    'dsas-lv1',
    undefined,
    (m) => [m.mode, m.daemons, m.pair, m.programs.keepalived],
    ['rules', ['watchdog'], null, null],
  ],
  [
    'dsas-lv1',
    undefined,
    (m) => m.interfaces.map((i) => [i.name, i.role, i.mac, i.cidr, i.netmask, i.broadcast]),
    [
      ['eth0', 'outside', '52:54:00:31:00:11', '10.10.31.11/24', '255.255.255.0', '10.10.31.255'],
      ['eth1', 'inside', '52:54:00:31:01:11', '192.168.31.11/24', '255.255.255.0', '192.168.31.255'],
    ],
  ],
  [
    'dsas-lv1',
    undefined,
    (m) => [m.vips, m.counts, m.ipvs.rules],
    [
      [{ address: '10.10.31.100', interface: 'eth0', label: 'eth0:100', floating: false }],
      { services: 1, realServers: 2 },
      [
        '-A -t 10.10.31.100:80 -s lc',
        '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
        '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1',
      ],
    ],
  ],
  [
    'dsas-2006',
    undefined,
    (m) => [m.ipvs.ipvsadm, m.modules],
    [{ version: '1.24', dialect: { sorted: false, tunnelType: false } }, ['ip_vs', 'ip_vs_lc']],
  ],
  [
    'checked-example',
    undefined,
    (m) => [m.mode, m.daemons, m.programs],
    [
      'keepalived',
      ['watchdog', 'syslogd', 'klogd', 'ntpd', 'dropbear', 'keepalived', 'httpd'],
      { ipvsadm: '1.31', keepalived: '2.2.7', dropbear: '2022.83', busybox: '1.35.0' },
    ],
  ],
  [
    'checked-example',
    undefined,
    (m) => m.access,
    {
      syslog: { host: '192.168.31.250', port: 514 },
      localSyslog: false,
      metrics: { address: '192.168.31.11', port: 9100 },
      ssh: {
        listen: [{ address: '192.168.31.11', port: 22 }],
        hostKey: '/etc/dropbear/dropbear_ed25519_host_key',
        authorizedKeys: [
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEISmoBFrpexAME28nsS2j6D8R+7u5MpsU2Jl7i0qp1p lvs-image-lab-key-INSECURE',
        ],
      },
      ntp: { servers: ['192.168.31.250'] },
    },
  ],
  [
    'checked-example',
    undefined,
    (m) => m.ipvs.services.map((s) => [s.checks.map((c) => c?.type ?? null), s.sorry?.address ?? null]),
    [[['http', 'http'], '192.168.31.200']],
  ],
  [
    'dr-pair-example',
    'dr1',
    (m) => [m.daemons, m.vips.map((v) => v.floating), m.pair?.connectionSync],
    [
      ['watchdog', 'syslogd', 'keepalived'],
      [true],
      { interface: 'eth0', instance: 'drpair_eth0', syncId: 33, refreshPeriodS: 1 },
    ],
  ],
  [
    'dr-pair-example',
    'dr2',
    (m) => [m.pair?.preempt, m.pair?.unicast, m.pair?.instances.map((i) => [i.name, i.ownAddress, i.peers])],
    [false, true, [['drpair_eth0', '10.10.33.12', ['10.10.33.11']]]],
  ],
  [
    'dsas-ha',
    'lv2',
    (m) => [m.pair?.name, m.pair?.members, m.pair?.instances.map((i) => i.name), m.pair?.timers.masterDownS],
    ['dsas', ['lv1', 'lv2'], ['dsas_eth0', 'dsas_eth1'], 3 + (156 * 1) / 256],
  ],
  [
    'fwmark-example',
    undefined,
    (m) => m.netfilter.map((t) => [t.name, t.rules]),
    [
      [
        'mangle',
        ['-A PREROUTING -d 10.10.31.100/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1'],
      ],
    ],
  ],
];
for (const [image, hostname, pick, expected] of FACTS) {
  test(`${image}${hostname !== undefined ? ` ${hostname}` : ''}: ${JSON.stringify(expected).slice(0, 70)}`, async (t) => {
    const { spec } = await loadSpec(`images/${image}.yaml`);
    const d = spec.directors.find((x) => hostname === undefined || x.hostname === hostname)!;
    t.deepEqual(pick(resolveDirector(spec, d)), expected);
  });
}

/** Two services listed 192.168.x before 10.x: ipvsadm 1.31 sorts them (wrapped compare), 1.24 keeps spec order. */
function twoServices(ipvsadm: string): Spec {
  const spec = applyDefaults(makeSpec({ ipvsadm: { version: ipvsadm } }));
  const d = spec.directors[0]!;
  d.vips.push({ address: '192.168.31.100', interface: 'eth1' });
  d.services.unshift({ protocol: 'udp', vip: '192.168.31.100', port: 53, realServers: [{ server: 'w101' }] });
  return spec;
}
const DIALECTS: [string, string[]][] = [
  ['1.31', ['-A -t 10.10.31.100:80 -s lc', '-A -u 192.168.31.100:53 -s wlc']],
  ['1.24', ['-A -u 192.168.31.100:53 -s wlc', '-A -t 10.10.31.100:80 -s lc']],
];
for (const [version, services] of DIALECTS) {
  test(`the rules follow the spec's ipvsadm ${version} (sort order)`, (t) => {
    const spec = twoServices(version);
    const model = resolveDirector(spec, spec.directors[0]!);
    t.deepEqual(
      model.ipvs.rules.filter((l) => l.startsWith('-A ')),
      services,
    );
  });
}

test('sysctls: ip_forward first and always 1 (a director forwards), then the spec keys', (t) => {
  const spec = applyDefaults(makeSpec());
  spec.directors[0]!.sysctls = { 'net.ipv4.vs.expire_nodest_conn': 1, 'net.ipv4.ip_forward': 0 };
  t.deepEqual(resolveDirector(spec, spec.directors[0]!).sysctls, [
    { key: 'net.ipv4.ip_forward', value: '1' },
    { key: 'net.ipv4.vs.expire_nodest_conn', value: '1' },
  ]);
});

test('the default route comes from the one interface with a gateway', (t) => {
  const spec = applyDefaults(makeSpec());
  spec.directors[0]!.interfaces[0]!.gateway = '10.10.31.1';
  const model = resolveDirector(spec, spec.directors[0]!);
  t.deepEqual(model.defaultRoute, { via: '10.10.31.1', dev: 'eth0' });
  t.deepEqual(
    model.interfaces.map((i) => i.gateway),
    ['10.10.31.1', null],
  );
});

test('a name that would reach /init unquoted is a SpecError naming its field', (t) => {
  const spec = applyDefaults(makeSpec());
  spec.directors[0]!.interfaces[1]!.name = 'eth1;reboot';
  const err = t.throws(() => resolveDirector(spec, spec.directors[0]!), { instanceOf: SpecError });
  t.is(err?.problems[0]?.pointer, '/directors/0/interfaces/1/name');
});

test('a pair with connection sync resyncs by time: the sync sysctls after ip_forward, a key the spec sets itself wins', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const lv1 = spec.directors.find((x) => x.hostname === 'lv1')!;
  t.deepEqual(resolveDirector(spec, lv1).sysctls, [
    { key: 'net.ipv4.ip_forward', value: '1' },
    { key: 'net.ipv4.vs.sync_threshold', value: '3 0' },
    { key: 'net.ipv4.vs.sync_refresh_period', value: '1' },
  ]);
  lv1.sysctls = { 'net.ipv4.vs.sync_refresh_period': 2 };
  t.deepEqual(
    resolveDirector(spec, lv1).sysctls.map((s) => `${s.key} = ${s.value}`),
    ['net.ipv4.ip_forward = 1', 'net.ipv4.vs.sync_threshold = 3 0', 'net.ipv4.vs.sync_refresh_period = 2'],
  );
  spec.pairs![0]!.connectionSync!.refreshPeriod = 0;
  lv1.sysctls = {};
  t.deepEqual(resolveDirector(spec, lv1).sysctls, [{ key: 'net.ipv4.ip_forward', value: '1' }]);
});
