import test from 'ava';
import { applyDefaults, natGatewayFor } from '../../src/spec/defaults.js';
import type { VirtualService } from '../../src/spec/types.js';
import { makeSpec, referenceSpec } from '../_helpers/make-spec.js';

test('fills ipvsadm and lvs-image defaults without touching the input', (t) => {
  const raw = makeSpec({
    kernel: { profile: undefined, options: undefined, base: undefined },
    ipvsadm: { link: undefined },
  });
  raw.directors[0]!.services[0] = {
    protocol: 'tcp',
    vip: '10.10.31.100',
    port: 80,
    realServers: [{ server: 'w101' }],
  };
  const before = structuredClone(raw);
  const s = applyDefaults(raw);
  t.deepEqual(raw, before);
  t.deepEqual(s.directors[0]!.services[0], {
    protocol: 'tcp',
    vip: '10.10.31.100',
    port: 80,
    scheduler: 'wlc',
    realServers: [{ server: 'w101', port: 80, forwarding: 'gate', weight: 1 }],
  });
  t.deepEqual(
    [s.kernel.profile, s.kernel.options, s.kernel.base, s.ipvsadm.link],
    ['full', 'builtin', 'tinyconfig', 'static'],
  );
  t.deepEqual(s.image, { compression: 'gzip', epoch: 0, console: 'ttyS0,115200' });
  t.is(s.realServers[0]!.interface, 'eth0');
});

test('persistence gets timeout 360 and a /32 netmask only when given', (t) => {
  const spec = makeSpec();
  const svc = spec.directors[0]!.services[0]!;
  svc.persistence = {};
  t.deepEqual(applyDefaults(spec).directors[0]!.services[0]!.persistence, {
    timeout: 360,
    netmask: '255.255.255.255',
  });
  t.is(applyDefaults(makeSpec()).directors[0]!.services[0]!.persistence, undefined);
});

test('fwmark members default to port 0', (t) => {
  const spec = makeSpec();
  const fw: VirtualService = {
    protocol: 'fwmark',
    fwmark: 1,
    realServers: [{ server: 'w101', forwarding: 'masq' }],
  };
  spec.directors[0]!.services = [fw];
  t.is(applyDefaults(spec).directors[0]!.services[0]!.realServers[0]!.port, 0);
});

test('NAT real servers get the director inside address as gateway; explicit ones stay; DR ones get none', (t) => {
  t.deepEqual(
    applyDefaults(makeSpec()).realServers.map((r) => r.gateway),
    ['192.168.31.11', '192.168.31.11'],
  );
  const explicit = makeSpec({
    realServers: [
      { ...referenceSpec().realServers[0]!, gateway: '192.168.31.1' },
      referenceSpec().realServers[1]!,
    ],
  });
  t.is(applyDefaults(explicit).realServers[0]!.gateway, '192.168.31.1');
  const dr = makeSpec();
  dr.directors[0]!.services[0]!.realServers = [{ server: 'w101', forwarding: 'gate' }];
  t.deepEqual(
    applyDefaults(dr).realServers.map((r) => r.gateway),
    [undefined, undefined],
  );
});

test('natGatewayFor picks the inside interface whose subnet holds the address', (t) => {
  const dirs = referenceSpec().directors;
  t.is(natGatewayFor('192.168.31.50/24', dirs), '192.168.31.11');
  t.is(natGatewayFor('10.10.31.50/24', dirs), undefined);
});

test('explicit image options win over defaults', (t) => {
  t.deepEqual(applyDefaults(makeSpec({ image: { compression: 'xz', epoch: 5 } })).image, {
    compression: 'xz',
    epoch: 5,
    console: 'ttyS0,115200',
  });
});
