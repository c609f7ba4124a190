import test from 'ava';
import {
  formatIpvsadmRules as formatIn,
  formatIpvsadmThresholds as thresholdsIn,
  ipvsadmDialect,
} from '../../src/director/ipvsadm-rules.js';
import { resolveIpvsTable, type IpvsDest, type IpvsService } from '../../src/director/ipvs-table.js';
import { makeSpec } from '../_helpers/make-spec.js';

const formatIpvsadmRules = (table: readonly IpvsService[], version = '1.31'): string =>
  formatIn(table, ipvsadmDialect(version));
const formatIpvsadmThresholds = (table: readonly IpvsService[]): string =>
  thresholdsIn(table, ipvsadmDialect('1.31'));

function dest(over: Partial<IpvsDest> = {}): IpvsDest {
  return {
    server: 'w',
    address: '192.168.31.101',
    port: 80,
    forwarding: 'masq',
    weight: 1,
    upperThreshold: null,
    lowerThreshold: null,
    ...over,
  };
}

function service(over: Partial<IpvsService> = {}): IpvsService {
  return {
    protocol: 'tcp',
    vip: '10.10.31.100',
    port: 80,
    fwmark: 0,
    scheduler: 'lc',
    persistenceTimeout: null,
    persistenceNetmask: '255.255.255.255',
    persistenceEngine: null,
    onePacket: false,
    schedulerFlags: [],
    dests: [],
    ...over,
  };
}

// Expected lines follow ipvsadm-1.31/ipvsadm.c print_service_entry / print_tunnel_rule with FMT_RULE.
const CASES: [string, IpvsService, string][] = [
  ['plain tcp service', service(), '-A -t 10.10.31.100:80 -s lc'],
  ['udp service', service({ protocol: 'udp', port: 53, scheduler: 'rr' }), '-A -u 10.10.31.100:53 -s rr'],
  ['sctp service', service({ protocol: 'sctp', port: 9 }), '-A --sctp-service 10.10.31.100:9 -s lc'],
  [
    'fwmark service',
    service({ protocol: 'fwmark', vip: '0.0.0.0', port: 0, fwmark: 1, scheduler: 'wlc' }),
    '-A -f 1 -s wlc',
  ],
  [
    'persistent, default mask not printed',
    service({ persistenceTimeout: 360 }),
    '-A -t 10.10.31.100:80 -s lc -p 360',
  ],
  [
    'persistent with a mask',
    service({ persistenceTimeout: 20, persistenceNetmask: '255.255.255.0' }),
    '-A -t 10.10.31.100:80 -s lc -p 20 -M 255.255.255.0',
  ],
  [
    'mask ignored when not persistent',
    service({ persistenceNetmask: '255.255.0.0' }),
    '-A -t 10.10.31.100:80 -s lc',
  ],
  [
    'port 0 persistent service',
    service({ port: 0, persistenceTimeout: 300 }),
    '-A -t 10.10.31.100:0 -s lc -p 300',
  ],
  [
    'persistence engine after the mask',
    service({
      protocol: 'udp',
      port: 5060,
      persistenceTimeout: 360,
      persistenceNetmask: '255.255.255.0',
      persistenceEngine: 'sip',
    }),
    '-A -u 10.10.31.100:5060 -s lc -p 360 -M 255.255.255.0 --pe sip',
  ],
  [
    'one-packet scheduling',
    service({ protocol: 'udp', port: 53, onePacket: true }),
    '-A -u 10.10.31.100:53 -s lc -o',
  ],
  [
    'sh flags in fixed order',
    service({ scheduler: 'sh', schedulerFlags: ['sh-port', 'sh-fallback'] }),
    '-A -t 10.10.31.100:80 -s sh -b sh-fallback,sh-port',
  ],
  [
    'mh flag',
    service({ scheduler: 'mh', schedulerFlags: ['mh-port'] }),
    '-A -t 10.10.31.100:80 -s mh -b mh-port',
  ],
  [
    'every service option in ipvsadm order',
    service({
      protocol: 'udp',
      scheduler: 'sh',
      persistenceTimeout: 60,
      persistenceNetmask: '255.255.0.0',
      persistenceEngine: 'sip',
      onePacket: true,
      schedulerFlags: ['sh-fallback'],
    }),
    '-A -u 10.10.31.100:80 -s sh -p 60 -M 255.255.0.0 --pe sip -o -b sh-fallback',
  ],
];

for (const [title, svc, line] of CASES) {
  test(`service line: ${title}`, (t) => {
    t.is(formatIpvsadmRules([svc]), `${line}\n`);
  });
}

const DEST_CASES: [string, IpvsService, IpvsDest, string][] = [
  ['masq', service(), dest(), '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1'],
  [
    'masq to another port',
    service(),
    dest({ port: 8080 }),
    '-a -t 10.10.31.100:80 -r 192.168.31.101:8080 -m -w 1',
  ],
  [
    'gate',
    service(),
    dest({ forwarding: 'gate', weight: 3 }),
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -g -w 3',
  ],
  [
    'weight 0 (quiesced)',
    service(),
    dest({ weight: 0 }),
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 0',
  ],
  [
    'ipip prints the tunnel type',
    service(),
    dest({ forwarding: 'ipip' }),
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -i -w 1 --tun-type ipip',
  ],
  [
    'fwmark destination port 0',
    service({ protocol: 'fwmark', vip: '0.0.0.0', port: 0, fwmark: 7 }),
    dest({ port: 0 }),
    '-a -f 7 -r 192.168.31.101:0 -m -w 1',
  ],
  [
    'thresholds are not printed',
    service(),
    dest({ upperThreshold: 100, lowerThreshold: 50 }),
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
  ],
];

for (const [title, svc, d, line] of DEST_CASES) {
  test(`destination line: ${title}`, (t) => {
    const out = formatIpvsadmRules([{ ...svc, dests: [d] }]).split('\n');
    t.is(out[1], line);
  });
}

test('the reference table is the measured ipvsadm -Sn listing', (t) => {
  const table = resolveIpvsTable(makeSpec().directors[0]!, makeSpec().realServers);
  t.is(
    formatIpvsadmRules(table),
    '-A -t 10.10.31.100:80 -s lc\n' +
      '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n' +
      '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
  );
});

test('ipvsadm 1.24 keeps spec order and prints no tunnel type', (t) => {
  const svc = service({
    dests: [dest({ address: '192.168.31.102', forwarding: 'ipip' }), dest({ address: '192.168.31.101' })],
  });
  t.deepEqual(formatIpvsadmRules([svc], '1.24').split('\n').slice(1, 3), [
    '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -i -w 1',
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
  ]);
});

test('an empty table renders an empty file', (t) => {
  t.is(formatIpvsadmRules([]), '');
});

test('thresholds become -e lines in restore format', (t) => {
  const svc = service({
    dests: [
      dest({ upperThreshold: 100 }),
      dest({ address: '192.168.31.102', forwarding: 'ipip', upperThreshold: 10, lowerThreshold: 5 }),
      dest({ address: '192.168.31.103' }),
    ],
  });
  t.is(
    formatIpvsadmThresholds([svc]),
    '-e -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1 -x 100 -y 0\n' +
      '-e -t 10.10.31.100:80 -r 192.168.31.102:80 -i -w 1 --tun-type ipip -x 10 -y 5\n',
  );
  t.is(formatIpvsadmThresholds([service({ dests: [dest()] })]), '');
});

test('resolving applies ipvsadm defaults and forces DR/TUN ports to the service port', (t) => {
  const spec = makeSpec();
  const director = spec.directors[0]!;
  director.services = [
    {
      protocol: 'tcp',
      vip: '10.10.31.100',
      port: 443,
      persistence: {},
      realServers: [
        { server: 'w101', port: 8443, forwarding: 'gate' },
        { server: 'w102', port: 8443, forwarding: 'masq' },
        { server: 'w101', forwarding: 'ipip' },
      ],
    },
    { protocol: 'fwmark', fwmark: 2, realServers: [{ server: 'w102', forwarding: 'gate' }] },
  ];
  const [web, mark] = resolveIpvsTable(director, spec.realServers);
  t.like(web, { scheduler: 'wlc', persistenceTimeout: 360, persistenceNetmask: '255.255.255.255' });
  t.deepEqual(
    web?.dests.map((d) => [d.address, d.port, d.forwarding, d.weight]),
    [
      ['192.168.31.101', 443, 'gate', 1],
      ['192.168.31.102', 8443, 'masq', 1],
      ['192.168.31.101', 443, 'ipip', 1],
    ],
  );
  t.deepEqual(
    mark?.dests.map((d) => [d.port, d.forwarding]),
    [[0, 'gate']],
  );
  t.like(mark, { vip: '0.0.0.0', port: 0, fwmark: 2 });
});
