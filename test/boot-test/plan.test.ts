import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BootExpectation } from '../../src/boot-test/checks.js';
import type { BootVia } from '../../src/boot-test/guest.js';
import { guestInterfaces, planBootTests, readExpectations, requiredFiles } from '../../src/boot-test/plan.js';
import { directorStateFromSpec, formatState } from '../../src/diff/state.js';
import { SpecError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { planImage } from '../../src/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { renderFiles } from '../../src/stages/render.js';

/** The states a build of `spec` publishes (stock templates), as the build computes them. */
function publishedStates(spec: Spec) {
  return planImage(spec).directors.map((d) => directorStateFromSpec(spec, d.model, renderFiles(d.files)));
}

/** The boot expectations a build of `spec` publishes. */
function published(spec: Spec): Map<string, BootExpectation> {
  return new Map(publishedStates(spec).map((s) => [s.hostname, s.boot!]));
}

function bootPlans(spec: Spec, vias: BootVia[]) {
  return planBootTests(spec, vias, 'out', published(spec));
}

test('dsas-lv1: the reference rules, VIP, counts and NICs, both boot paths, logs beside the release', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const plans = bootPlans(spec, ['direct', 'pxe']);
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
    daemons: ['watchdog'],
  });
});

test('checked-example: keepalived mode expects the members quiesced and the sorry server in, and the rendered config', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const [plan] = bootPlans(spec, ['direct']);
  t.is(plan?.expected.mode, 'keepalived');
  // Every daemon of the table that checked-example runs, in start order.
  t.deepEqual(plan?.expected.daemons, [
    'watchdog',
    'syslogd',
    'klogd',
    'ntpd',
    'dropbear',
    'keepalived',
    'httpd',
  ]);
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

test('mixed-example: keepalived (no checker) is held to the rules-mode table of every kind of service', async (t) => {
  const { spec } = await loadSpec('images/mixed-example.yaml');
  const [plan] = bootPlans(spec, ['direct']);
  t.is(plan?.expected.mode, 'keepalived');
  // What /init loads in rules mode, as ipvsadm 1.31 lists it: NAT with a mapped port, TUN, persistent DR,
  // one-packet UDP and the persistent fwmark service.
  const rulesMode = [
    '-A -t 10.10.31.100:80 -s wlc',
    '-a -t 10.10.31.100:80 -r 192.168.31.101:8080 -m -w 1',
    '-a -t 10.10.31.100:80 -r 192.168.31.102:8080 -m -w 3',
    '-A -t 10.10.31.101:25 -s lc',
    '-a -t 10.10.31.101:25 -r 172.16.35.21:25 -i -w 1 --tun-type ipip',
    '-a -t 10.10.31.101:25 -r 172.16.35.22:25 -i -w 1 --tun-type ipip',
    '-A -t 10.10.31.101:443 -s rr -p 300 -M 255.255.255.0',
    '-a -t 10.10.31.101:443 -r 10.10.31.211:443 -g -w 1',
    '-a -t 10.10.31.101:443 -r 10.10.31.212:443 -g -w 2',
    '-A -u 10.10.31.100:53 -s rr -o',
    '-a -u 10.10.31.100:53 -r 192.168.31.101:53 -m -w 1',
    '-a -u 10.10.31.100:53 -r 192.168.31.102:53 -m -w 1',
    '-A -f 7 -s wlc -p 600',
    '-a -f 7 -r 192.168.31.101:0 -m -w 1',
    '-a -f 7 -r 192.168.31.102:0 -m -w 1',
  ];
  t.is(plan?.expected.rulesModeTable, rulesMode.map((l) => `${l}\n`).join(''));
  // keepalived's own expectation (no real server answering, none checked) agrees with it.
  t.is(plan?.expected.rules, plan?.expected.rulesModeTable);
  t.like(plan?.expected, { services: 5, realServers: 10 });
  const [checked] = bootPlans((await loadSpec('images/checked-example.yaml')).spec, ['direct']);
  t.false('rulesModeTable' in (checked?.expected ?? {}));
});

test('dsas-ha: each member alone must go MASTER on every instance within its master-down interval, VIPs included', async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const plans = bootPlans(spec, ['direct']);
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
  const [plan] = bootPlans(spec, ['direct']);
  t.regex(
    plan?.expected.netfilter ?? '',
    /^-A PREROUTING -d 10\.10\.31\.100\/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1$/m,
  );
  const lv1 = bootPlans((await loadSpec('images/dsas-lv1.yaml')).spec, ['direct']);
  t.false('netfilter' in (lv1[0]?.expected ?? {}));
});

test('NICs are ordered eth0, eth1, ... eth10 and the inside one PXE-boots', (t) => {
  const interfaces = [
    { name: 'eth10', role: 'outside', mac: null },
    { name: 'eth1', role: 'inside', mac: '52:54:00:00:00:02' },
    { name: 'eth0', role: 'outside', mac: null },
  ] as const;
  t.deepEqual(guestInterfaces(interfaces), [
    { name: 'eth0' },
    { name: 'eth1', mac: '52:54:00:00:00:02', boot: true },
    { name: 'eth10' },
  ]);
});

test('PXE also needs the iPXE script', (t) => {
  t.deepEqual(requiredFiles('lv1', 'direct'), ['lv1/lv1-kernel', 'lv1/lv1-initrd.img', 'lv1/lv1-cmdline']);
  t.is(requiredFiles('lv1', 'pxe')[0], 'lv1.ipxe');
});

/** A site root holding `states` as a build publishes them. */
function siteRoot(
  states: { hostname: string }[],
  edit: (s: Record<string, unknown>) => void = () => {},
): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lvs-boot-plan-'));
  for (const s of states) {
    const copy = structuredClone(s) as Record<string, unknown>;
    edit(copy);
    mkdirSync(path.join(root, s.hostname), { recursive: true });
    writeFileSync(path.join(root, s.hostname, 'state.json'), formatState(copy as never));
  }
  return root;
}

test("readExpectations: the boot expectation each director's build published in <hostname>/state.json", async (t) => {
  const { spec } = await loadSpec('images/dsas-ha.yaml');
  const root = siteRoot(publishedStates(spec));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.deepEqual(await readExpectations(root, spec), published(spec));
});

const UNREADABLE: [string, (s: Record<string, unknown>) => void, RegExp][] = [
  ['a state of an older build (no boot expectation)', (s) => delete s.boot, /has no boot expectation/],
  ['a state of another director', (s) => (s.hostname = 'lv9'), /the state of lv9, not of lv1/],
  ['a state of another state version', (s) => (s.stateVersion = 0), /state version 0/],
];
for (const [title, edit, message] of UNREADABLE) {
  test(`readExpectations refuses ${title}, naming the file`, async (t) => {
    const { spec } = await loadSpec('images/dsas-lv1.yaml');
    const root = siteRoot(publishedStates(spec), edit);
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const err = await t.throwsAsync(readExpectations(root, spec), { instanceOf: SpecError, message });
    t.is(err?.problems[0]?.file, path.join(root, 'lv1/state.json'));
  });
}

test('readExpectations: a release without state.json says to rebuild', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const root = mkdtempSync(path.join(tmpdir(), 'lvs-boot-plan-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  await t.throwsAsync(readExpectations(root, spec), { instanceOf: SpecError, message: /missing/ });
});

test('planBootTests: a director without a published expectation is an error, not a re-render', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  t.throws(() => planBootTests(spec, ['direct'], 'out', new Map()), {
    instanceOf: SpecError,
    message: /no published boot expectation for lv1/,
  });
});
