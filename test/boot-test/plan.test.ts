import test from 'ava';
import { readFileSync } from 'node:fs';
import { sha256 } from '../../src/lib/fs.js';
import {
  countRules,
  guestInterfaces,
  planBootTests,
  requiredFiles,
  unansweredTable,
} from '../../src/boot-test/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Director } from '../../src/spec/types.js';

test('dsas-lv1: the reference rules, VIP, counts and NICs, both boot paths, logs beside the release', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plans = planBootTests(spec, ['direct', 'pxe'], 'out');
  t.deepEqual(
    plans.map((p) => [p.hostname, p.via, p.consoleLog]),
    [
      ['lv1', 'direct', 'out/.boot-test/dsas/lv1/boot-test-direct.log'],
      ['lv1', 'pxe', 'out/.boot-test/dsas/lv1/boot-test-pxe.log'],
    ],
  );
  t.deepEqual(plans[0]?.expected, {
    mode: 'rules',
    rules:
      '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
    vips: [{ address: '10.10.31.100', interface: 'eth0', label: 'eth0:100' }],
    services: 1,
    realServers: 2,
  });
});

test('checked-example: keepalived mode expects the members quiesced and the sorry server in, and the rendered config', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const [plan] = planBootTests(spec, ['direct'], 'out');
  t.is(plan?.expected.mode, 'keepalived');
  t.is(
    plan?.expected.rules,
    '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 0\n' +
      '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0\n-a -t 10.10.31.100:80 -r 192.168.31.200:80 -m -w 1\n',
  );
  const golden = readFileSync(
    'test/fixtures/golden/render/checked-example/lv4/rootfs/etc/keepalived/keepalived.conf',
  );
  t.is(plan?.expected.keepalivedConfSha256, sha256(golden));
});

test('unanswered table: remove leaves members out, an unchecked member with weight keeps the sorry server out', async (t) => {
  const { spec } = await loadSpec('test/fixtures/keepalived/every-option.yaml');
  const table = unansweredTable(spec.directors[0]!, spec.realServers);
  // tcp/80: w101 quiesced, w102 removed (tcp check, remove), w103 unchecked at weight 1: no sorry server.
  t.deepEqual(
    table[0]?.dests.map((d) => [d.server, d.weight]),
    [
      ['w101', 0],
      ['w103', 1],
    ],
  );
  // tcp/443: both removed, no sorry server configured.
  t.deepEqual(table[1]?.dests, []);
});

test('dsas-ha: each member alone must go MASTER on every instance within its master-down interval, VIPs included', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const plans = planBootTests(spec, ['direct'], 'out');
  t.deepEqual(
    plans.map((p) => [p.hostname, p.expected.vrrp?.instances, p.expected.vrrp?.masterDownS.toFixed(3)]),
    [
      ['lv1', ['dsas_eth0', 'dsas_eth1'], '3.414'],
      ['lv2', ['dsas_eth0', 'dsas_eth1'], '3.609'],
    ],
  );
  t.deepEqual(
    plans[0]?.expected.vips.map((v) => v.address),
    ['10.10.31.100', '192.168.31.1'],
  );
});

test('fwmark-example: the rendered mangle rules are expected too; dsas-lv1 has none', async (t) => {
  const { spec } = await loadSpec('images/fwmark-example.yaml');
  const [plan] = planBootTests(spec, ['direct'], 'out');
  t.regex(
    plan?.expected.netfilter ?? '',
    /^-A PREROUTING -d 10\.10\.31\.100\/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1$/m,
  );
  const lv1 = planBootTests((await loadSpec('images/dsas-lv1.yaml')).spec, ['direct'], 'out');
  t.false('netfilter' in (lv1[0]?.expected ?? {}));
});

test('NICs are ordered eth0, eth1, ... eth10 and the inside one PXE-boots', (t) => {
  const director = {
    interfaces: [
      { name: 'eth10', address: '10.0.2.1/24', role: 'outside' },
      { name: 'eth1', address: '192.168.31.11/24', role: 'inside', mac: '52:54:00:00:00:02' },
      { name: 'eth0', address: '10.10.31.11/24', role: 'outside' },
    ],
  } as Director;
  t.deepEqual(guestInterfaces(director), [
    { name: 'eth0' },
    { name: 'eth1', mac: '52:54:00:00:00:02', boot: true },
    { name: 'eth10' },
  ]);
});

test('ready-line counts come from -A and -a lines', (t) => {
  t.deepEqual(countRules('-A -f 1 -s rr\n-a -f 1 -r 10.0.0.1:0 -g -w 1\n-A -t 1.2.3.4:80 -s lc\n'), {
    services: 2,
    realServers: 1,
  });
});

test('PXE also needs the iPXE script', (t) => {
  t.deepEqual(requiredFiles('lv1', 'direct'), ['lv1/lv1-kernel', 'lv1/lv1-initrd.img', 'lv1/lv1-cmdline']);
  t.is(requiredFiles('lv1', 'pxe')[0], 'lv1.ipxe');
});
