/** Each rule, alone: silent on the reference spec, and exactly its problems on a spec that breaks it. */
import test from 'ava';
import type { Problem } from '../../src/lib/errors.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { checkRules, RULES, WARNING_RULES, type Rule } from '../../src/spec/rules.js';
import {
  drOnDirectorSubnet,
  natGatewayBypass,
  natOnInsideSubnet,
  vipOnInterface,
} from '../../src/spec/rules/network.js';
import {
  fwmarkIsSet,
  knownRealServers,
  serviceVipKnown,
  uniqueMembers,
  uniqueNames,
  uniqueServices,
} from '../../src/spec/rules/references.js';
import {
  forwardedPortUnchanged,
  memberPortRange,
  onePacketUdpOnly,
  persistenceNetmask,
  schedulerFlagsMatch,
  servicePortRange,
  serviceShape,
  thresholdOrder,
  weightRange,
} from '../../src/spec/rules/services.js';
import { ipvsadmFitsKernel, ipvsadmHasFeatures, kernelHasFeatures } from '../../src/spec/rules/versions.js';
import type { Spec, VirtualService } from '../../src/spec/types.js';
import { makeSpec, referenceSpec } from '../_helpers/make-spec.js';

const SVC = '/directors/0/services/0';
const tcp80 = (): VirtualService => structuredClone(referenceSpec().directors[0]!.services[0]!);
/** The reference spec with its one service changed. */
function withService(patch: Partial<VirtualService>, more: Partial<Spec> = {}): Spec {
  const spec = makeSpec(more);
  spec.directors[0]!.services = [{ ...tcp80(), ...patch }];
  return spec;
}
function p(pointer: string, message: string, hint: string): Problem {
  return { pointer, message, hint };
}

const ALL_RULES = [...RULES, ...WARNING_RULES];
for (const rule of ALL_RULES) {
  test(`${rule.name}: silent on the reference spec`, (t) => {
    t.deepEqual(rule(applyDefaults(makeSpec())), []);
  });
}

const CASES: [Rule, string, Spec, Problem[]][] = [
  [uniqueServices, 'one service per protocol, VIP and port', withService({ scheduler: 'rr' }), []],
  [
    serviceShape,
    'tcp without vip',
    withService({ vip: undefined }),
    [p(SVC, 'a tcp service needs `vip`', 'add vip: (e.g. 10.10.31.100)')],
  ],
  [
    serviceShape,
    'fwmark with port and no fwmark',
    withService({ protocol: 'fwmark', vip: undefined }),
    [
      p(SVC, 'a fwmark service needs `fwmark`', 'add fwmark: N (the mark netfilter sets)'),
      p(
        `${SVC}/port`,
        'a fwmark service takes no `port`',
        'the netfilter mark selects the traffic; remove it or use protocol tcp/udp/sctp',
      ),
    ],
  ],
  [
    serviceShape,
    'tcp with fwmark',
    withService({ fwmark: 3 }),
    [p(`${SVC}/fwmark`, '`fwmark` is only for protocol fwmark', 'remove fwmark or set protocol: fwmark')],
  ],
  [
    servicePortRange,
    'port 0 without persistence',
    withService({ port: 0 }),
    [
      p(
        `${SVC}/port`,
        'port 0 (every port) is only allowed for persistent services',
        'set a port 1..65535, or add persistence: {}',
      ),
    ],
  ],
  [servicePortRange, 'port 0 with persistence is fine', withService({ port: 0, persistence: {} }), []],
  [
    servicePortRange,
    'port 65536',
    withService({ port: 65536 }),
    [p(`${SVC}/port`, 'port 65536 is outside 1..65535', 'use a port 1..65535')],
  ],
  [
    memberPortRange,
    'member port 0 in a tcp/80 service',
    withService({ realServers: [{ server: 'w101', forwarding: 'masq', port: 0 }] }),
    [
      p(
        `${SVC}/realServers/0/port`,
        'port 0 is outside 1..65535',
        'use a port 1..65535, or leave it out to use the service port',
      ),
    ],
  ],
  [
    weightRange,
    'weight 70000',
    withService({ realServers: [{ server: 'w101', forwarding: 'masq', weight: 70000 }] }),
    [
      p(
        `${SVC}/realServers/0/weight`,
        'weight 70000 is outside 0..65535',
        'use 0 (quiesce) to 65535; the default is 1',
      ),
    ],
  ],
  [
    weightRange,
    'weight 0 quiesces, fine',
    withService({ realServers: [{ server: 'w101', forwarding: 'masq', weight: 0 }] }),
    [],
  ],
  [
    thresholdOrder,
    'upper below lower',
    withService({
      realServers: [{ server: 'w101', forwarding: 'masq', upperThreshold: 3, lowerThreshold: 4 }],
    }),
    [
      p(
        `${SVC}/realServers/0/upperThreshold`,
        'upperThreshold 3 is below lowerThreshold 4',
        'raise upperThreshold or lower lowerThreshold (0 means no limit)',
      ),
    ],
  ],
  [
    thresholdOrder,
    'upper 0 means no limit',
    withService({
      realServers: [{ server: 'w101', forwarding: 'masq', upperThreshold: 0, lowerThreshold: 4 }],
    }),
    [],
  ],
  [
    persistenceNetmask,
    'hole in the mask',
    withService({ persistence: { netmask: '255.255.0.255' } }),
    [
      p(
        `${SVC}/persistence/netmask`,
        '255.255.0.255 is not a contiguous netmask',
        'use a mask such as 255.255.255.0 (ones, then zeros)',
      ),
    ],
  ],
  [persistenceNetmask, '/0 mask is contiguous', withService({ persistence: { netmask: '0.0.0.0' } }), []],
  [
    onePacketUdpOnly,
    'one-packet on sctp',
    withService({ protocol: 'sctp', onePacket: true }),
    [
      p(
        `${SVC}/onePacket`,
        'one-packet scheduling (-o) is for udp services only, not sctp',
        'remove onePacket or set protocol: udp',
      ),
    ],
  ],
  [onePacketUdpOnly, 'one-packet on udp', withService({ protocol: 'udp', onePacket: true }), []],
  [
    schedulerFlagsMatch,
    'mh-port with sh',
    withService({ scheduler: 'sh', schedulerFlags: ['sh-port', 'mh-port'] }),
    [
      p(
        `${SVC}/schedulerFlags/1`,
        'scheduler flag mh-port needs scheduler mh; this service uses sh',
        'set scheduler: mh or remove the flag',
      ),
    ],
  ],
  [
    forwardedPortUnchanged,
    'ipip to another port',
    withService({ realServers: [{ server: 'w101', forwarding: 'ipip', port: 81 }] }),
    [
      p(
        `${SVC}/realServers/0/port`,
        'tunnelling cannot change the port: w101 must use the service port 80, not 81',
        'remove port (it defaults to 80), or use forwarding: masq to map ports',
      ),
    ],
  ],
  [
    forwardedPortUnchanged,
    'masq may map ports',
    withService({ realServers: [{ server: 'w101', forwarding: 'masq', port: 8080 }] }),
    [],
  ],
  [
    knownRealServers,
    'unknown name',
    withService({ realServers: [{ server: 'nope', forwarding: 'masq' }] }),
    [
      p(
        `${SVC}/realServers/0/server`,
        'no real server named "nope"',
        'define it under realServers (known: w101, w102)',
      ),
    ],
  ],
  [
    serviceVipKnown,
    'VIP not declared',
    withService({ vip: '10.10.31.7' }),
    [
      p(
        `${SVC}/vip`,
        "10.10.31.7 is not one of lv1's vips (10.10.31.100)",
        "add it under the director's vips, or use one of them",
      ),
    ],
  ],
  [
    uniqueMembers,
    'two names, one address',
    withService(
      {
        realServers: [
          { server: 'w101', forwarding: 'masq' },
          { server: 'w9', forwarding: 'masq' },
        ],
      },
      { realServers: [...referenceSpec().realServers, { name: 'w9', address: '192.168.31.101/24' }] },
    ),
    [
      p(
        `${SVC}/realServers/1`,
        `real server w9 has the same address and port as w101 in tcp 10.10.31.100:80 (first at ${SVC}/realServers/0)`,
        'remove one entry; ipvsadm refuses a destination twice',
      ),
    ],
  ],
  [
    uniqueMembers,
    'same server on two ports is fine',
    withService({
      realServers: [
        { server: 'w101', forwarding: 'masq', port: 80 },
        { server: 'w101', forwarding: 'masq', port: 8080 },
      ],
    }),
    [],
  ],
  [
    fwmarkIsSet,
    'fwmark 2 with no netfilter section',
    withService({ protocol: 'fwmark', fwmark: 2, vip: undefined, port: undefined }, {}),
    [
      p(
        `${SVC}/fwmark`,
        'nothing on lv1 sets firewall mark 2',
        'add netfilter.marks: [{mark: 2, protocol: tcp, destination: VIP, ports: [80, 443]}], or a rule with --set-mark 2',
      ),
    ],
  ],
  [
    vipOnInterface,
    'VIP on the wrong interface subnet',
    makeSpec({
      directors: [
        {
          ...referenceSpec().directors[0]!,
          vips: [{ address: '192.168.31.100', interface: 'eth0', label: 'eth0:1' }],
        },
      ],
    }),
    [
      p(
        '/directors/0/vips/0/address',
        'VIP 192.168.31.100 is on no director interface: eth0 is 10.10.31.0/24',
        "use an address in the interface's subnet, or move the VIP to the interface that has it",
      ),
    ],
  ],
  [
    natOnInsideSubnet,
    'NAT server on the outside subnet',
    makeSpec({ realServers: [{ name: 'w101', address: '10.10.31.50/24' }, referenceSpec().realServers[1]!] }),
    [
      p(
        `${SVC}/realServers/0`,
        'NAT real server w101 is outside every inside subnet of lv1 (192.168.31.0/24)',
        'put the real server on an inside subnet, give the right interface role: inside, or use forwarding gate/ipip',
      ),
    ],
  ],
  [
    drOnDirectorSubnet,
    'DR on either director subnet is fine',
    withService({ realServers: [{ server: 'w101', forwarding: 'gate' }] }),
    [],
  ],
  [
    drOnDirectorSubnet,
    'ipip needs no shared subnet',
    withService(
      { realServers: [{ server: 'w101', forwarding: 'ipip' }] },
      { realServers: [{ name: 'w101', address: '172.16.1.1/24' }] },
    ),
    [],
  ],
  [
    natGatewayBypass,
    'explicit gateway elsewhere',
    makeSpec({
      realServers: [
        { name: 'w101', address: '192.168.31.101/24', gateway: '192.168.31.1' },
        referenceSpec().realServers[1]!,
      ],
    }),
    [
      p(
        '/realServers/0/gateway',
        'gateway 192.168.31.1 of NAT real server w101 is not an inside address of lv1 (192.168.31.11): replies will bypass the director',
        "remove gateway (it defaults to the director's inside address) unless something else routes the replies back",
      ),
    ],
  ],
  [
    kernelHasFeatures,
    'twos on 5.11',
    withService({ scheduler: 'twos' }, { kernel: { version: '5.11' } }),
    [
      p(
        `${SVC}/scheduler`,
        'scheduler twos needs kernel 5.12 or later; the pin is 5.11',
        'pin kernel 5.12 or later, or do without scheduler twos',
      ),
    ],
  ],
  [
    kernelHasFeatures,
    'twos on 5.12.1',
    withService({ scheduler: 'twos' }, { kernel: { version: '5.12.1' } }),
    [],
  ],
  [
    kernelHasFeatures,
    'scheduler flags on 3.10',
    withService({ scheduler: 'sh', schedulerFlags: ['sh-port'] }, { kernel: { version: '3.10' } }),
    [
      p(
        `${SVC}/schedulerFlags/0`,
        'scheduler flag sh-port needs kernel 3.11 or later; the pin is 3.10',
        'pin kernel 3.11 or later, or do without scheduler flag sh-port',
      ),
    ],
  ],
  [
    ipvsadmFitsKernel,
    '1.24 on a 2.4 kernel',
    makeSpec({ kernel: { version: '2.4.32' }, ipvsadm: { version: '1.24' } }),
    [
      p(
        '/ipvsadm/version',
        'ipvsadm 1.24 needs a 2.6 or later kernel; the pin is 2.4.32',
        'pin ipvsadm "1.21" for a 2.4 kernel',
      ),
    ],
  ],
  [
    ipvsadmFitsKernel,
    '1.21 on a 2.4 kernel',
    makeSpec({ kernel: { version: '2.4.32' }, ipvsadm: { version: '1.21' } }),
    [],
  ],
  [
    ipvsadmHasFeatures,
    'mh flags need ipvsadm 1.30',
    withService({ scheduler: 'mh', schedulerFlags: ['mh-port'] }, { ipvsadm: { version: '1.29' } }),
    [
      p(
        `${SVC}/schedulerFlags/0`,
        'scheduler flag mh-port (-b mh-*) needs ipvsadm 1.30 or later; the pin is 1.29',
        'pin ipvsadm "1.30" or later, or do without scheduler flag mh-port',
      ),
    ],
  ],
];

for (const [rule, title, spec, expected] of CASES) {
  test(`${rule.name}: ${title}`, (t) => {
    t.deepEqual(rule(applyDefaults(spec)), expected);
  });
}

test('uniqueServices: a repeated tcp service is reported at the repeat', (t) => {
  const spec = makeSpec();
  spec.directors[0]!.services.push({ ...tcp80(), scheduler: 'rr' });
  t.deepEqual(uniqueServices(applyDefaults(spec)), [
    p(
      '/directors/0/services/1',
      'duplicate virtual service tcp 10.10.31.100:80 (first at /directors/0/services/0)',
      'merge the two services, or change the protocol, VIP, port or fwmark',
    ),
  ]);
});

test('uniqueServices: the same fwmark twice', (t) => {
  const spec = makeSpec({
    directors: [
      {
        ...referenceSpec().directors[0]!,
        netfilter: { marks: [{ mark: 1, protocol: 'tcp', destination: '10.10.31.100', ports: [80] }] },
      },
    ],
  });
  const fw: VirtualService = { protocol: 'fwmark', fwmark: 1, realServers: [] };
  spec.directors[0]!.services = [fw, { ...fw }];
  t.deepEqual(
    uniqueServices(applyDefaults(spec)).map((x) => x.message),
    ['duplicate virtual service fwmark 1 (first at /directors/0/services/0)'],
  );
});

test('uniqueNames: hostnames, interface names, MACs, VIPs, labels', (t) => {
  const d = referenceSpec().directors[0]!;
  const spec = makeSpec({ directors: [d, { ...d, services: [] }] });
  t.deepEqual(
    uniqueNames(spec).map((x) => `${x.pointer ?? ''}: ${x.message}`),
    [
      '/directors/1/hostname: duplicate director hostname "lv1"',
      '/directors/1/interfaces/0/mac: duplicate MAC address 52:54:00:31:00:11',
      '/directors/1/interfaces/1/mac: duplicate MAC address 52:54:00:31:01:11',
    ],
  );
  const vips = makeSpec({ directors: [{ ...d, vips: [d.vips[0]!, { ...d.vips[0]!, label: 'eth0:100' }] }] });
  t.deepEqual(
    uniqueNames(vips).map((x) => x.message),
    ['duplicate VIP 10.10.31.100 on lv1', 'duplicate alias label eth0:100 on lv1'],
  );
});

test('fwmarkIsSet: netfilter.marks or a --set-mark / --set-xmark rule satisfies it', (t) => {
  const fw = (netfilter: NonNullable<Spec['directors'][0]['netfilter']>): Spec => {
    const spec = makeSpec({ directors: [{ ...referenceSpec().directors[0]!, netfilter }] });
    spec.directors[0]!.services = [{ protocol: 'fwmark', fwmark: 16, realServers: [] }];
    return spec;
  };
  t.deepEqual(
    fwmarkIsSet(fw({ marks: [{ mark: 16, protocol: 'udp', destination: '10.10.31.100', ports: [53] }] })),
    [],
  );
  t.deepEqual(
    fwmarkIsSet(
      fw({
        rules: [{ table: 'mangle', chain: 'PREROUTING', rule: '-d 10.10.31.100 -j MARK --set-mark 16' }],
      }),
    ),
    [],
  );
  t.deepEqual(
    fwmarkIsSet(
      fw({ rules: [{ table: 'mangle', chain: 'PREROUTING', rule: '-j MARK --set-xmark 0x10/0xffffffff' }] }),
    ),
    [],
  );
  t.is(
    fwmarkIsSet(fw({ rules: [{ table: 'mangle', chain: 'PREROUTING', rule: '-j MARK --set-mark 17' }] }))
      .length,
    1,
  );
});

test('vipOnInterface: unknown interface and foreign label', (t) => {
  const d = referenceSpec().directors[0]!;
  t.deepEqual(
    vipOnInterface(
      makeSpec({ directors: [{ ...d, vips: [{ address: '10.10.31.100', interface: 'eth7' }] }] }),
    ),
    [p('/directors/0/vips/0/interface', 'no interface named "eth7" on lv1', 'use one of: eth0, eth1')],
  );
  t.deepEqual(
    vipOnInterface(
      makeSpec({
        directors: [{ ...d, vips: [{ address: '10.10.31.100', interface: 'eth0', label: 'eth00:1' }] }],
      }),
    ),
    [p('/directors/0/vips/0/label', 'label eth00:1 must start with "eth0:"', 'e.g. eth0:1')],
  );
});

test('checkRules reports each fault once and in rule order', (t) => {
  const spec = withService({ port: 0, onePacket: true });
  t.deepEqual(
    checkRules(applyDefaults(spec)).map((x) => x.message),
    [
      'port 0 (every port) is only allowed for persistent services',
      'one-packet scheduling (-o) is for udp services only, not tcp',
    ],
  );
});
