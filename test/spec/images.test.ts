/** Every spec shipped in images/ passes every gate; the reference matches makeSpec() and the init starter. */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { starterSpec } from '../../src/spec/starter.js';
import { ROOT } from '../_helpers/cli.js';
import { makeSpec } from '../_helpers/make-spec.js';

const IMAGES = readdirSync(path.join(ROOT, 'images')).filter((f) => /\.(ya?ml|json)$/.test(f));

test('images/ holds the reference, the 2006 build, DR, fwmark, health-checked, mixed and pair (NAT and DR) examples', (t) => {
  t.deepEqual(IMAGES.sort(), [
    'checked-example.yaml',
    'dr-example.yaml',
    'dr-pair-example.yaml',
    'dsas-2006.yaml',
    'dsas-ha.yaml',
    'dsas-lv1.yaml',
    'fwmark-example.yaml',
    'mixed-example.yaml',
  ]);
});

for (const name of IMAGES) {
  test(`images/${name} validates without warnings`, async (t) => {
    const loaded = await loadSpec(path.join(ROOT, 'images', name));
    t.deepEqual(loaded.warnings, []);
    t.regex(loaded.sha256, /^[0-9a-f]{64}$/);
  });
}

test('makeSpec() is images/dsas-lv1.yaml as written', async (t) => {
  const loaded = await loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml'));
  t.deepEqual(loaded.raw, makeSpec());
});

test('`init images/dsas-lv1.yaml` would write exactly images/dsas-lv1.yaml', (t) => {
  t.is(starterSpec('images/dsas-lv1.yaml'), readFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), 'utf8'));
});

test('dsas-2006 pins the 2006 kernel and ipvsadm with the catalog source for ipvsadm', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/dsas-2006.yaml'));
  t.like(spec.kernel, { version: '2.6.16.27', profile: 'full', options: 'module' });
  t.like(spec.ipvsadm, { version: '1.24', link: 'static' });
  t.is(spec.ipvsadm.source, undefined);
});

test('the DR example has two services on one VIP, one persistent, with gate members', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/dr-example.yaml'));
  const services = spec.directors[0]!.services;
  t.is(new Set(services.map((s) => s.vip)).size, 1);
  t.deepEqual(
    services.map((s) => s.persistence),
    [undefined, { timeout: 360, netmask: '255.255.255.0' }],
  );
  t.true(services.every((s) => s.realServers.every((m) => m.forwarding === 'gate')));
});

test('the fwmark example marks tcp 80 and 443 with mark 1 for a NAT fwmark service', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/fwmark-example.yaml'));
  const d = spec.directors[0]!;
  t.like(d.services[0], { protocol: 'fwmark', fwmark: 1 });
  t.deepEqual(d.netfilter?.marks, [
    { mark: 1, protocol: 'tcp', destination: '10.10.31.100', ports: [80, 443] },
  ]);
  t.true(d.services[0]!.realServers.every((m) => m.forwarding === 'masq' && m.port === 0));
});

test('the mixed example: NAT, UDP, DR, TUN, persistence and fwmark, every service checked with type none', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/mixed-example.yaml'));
  const services = spec.directors[0]!.services;
  const forwarding = new Set(services.flatMap((s) => s.realServers.map((m) => m.forwarding)));
  t.deepEqual([...forwarding].sort(), ['gate', 'ipip', 'masq']);
  t.deepEqual([...new Set(services.map((s) => s.protocol))].sort(), ['fwmark', 'tcp', 'udp']);
  t.true(services.some((s) => s.persistence !== undefined && s.protocol === 'tcp'));
  t.true(services.every((s) => s.healthCheck?.type === 'none' && s.sorryServer === undefined));
  t.true(services.every((s) => s.realServers.every((m) => m.healthCheck === undefined)));
});
