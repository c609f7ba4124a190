import test from 'ava';
import {
  bareAddress,
  cidrContains,
  cidrForms,
  formatIpv4,
  formatSubnet,
  inSubnet,
  netmaskPrefix,
  parseCidr,
  parseIpv4,
  prefixMask,
} from '../../src/lib/address.js';
import { InternalError } from '../../src/lib/errors.js';

const IPV4: [string, number | null][] = [
  ['10.10.31.11', 168435467],
  ['0.0.0.0', 0],
  ['255.255.255.255', 0xffffffff],
  ['256.1.1.1', null],
  ['1.2.3', null],
  ['1.2.3.4.5', null],
  ['01.2.3.4', null],
  ['1.2.3.4/24', null],
  ['', null],
];
for (const [text, value] of IPV4) {
  test(`parseIpv4 ${JSON.stringify(text)} → ${String(value)}`, (t) => {
    t.is(parseIpv4(text), value);
    if (value !== null) t.is(formatIpv4(value), text);
  });
}

const CIDRS: [string, { address: number; prefix: number } | null][] = [
  ['192.168.31.101/24', { address: 0xc0a81f65, prefix: 24 }],
  ['192.168.31.101', { address: 0xc0a81f65, prefix: 32 }],
  ['10.0.0.1/0', { address: 0x0a000001, prefix: 0 }],
  ['10.0.0.1/33', null],
  ['10.0.0.1/', null],
  ['10.0.0.1/24/1', null],
  ['10.0.0.1/x', null],
  ['10.0.0/24', null],
];
for (const [text, cidr] of CIDRS) {
  test(`parseCidr ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(parseCidr(text), cidr);
  });
}

const BARE: [string, string][] = [
  ['10.10.31.100/32', '10.10.31.100'],
  ['10.10.31.100', '10.10.31.100'],
  ['10.10.31.100/24/7', '10.10.31.100'],
  ['', ''],
];
for (const [text, bare] of BARE) {
  test(`bareAddress ${JSON.stringify(text)} → ${JSON.stringify(bare)}`, (t) => {
    t.is(bareAddress(text), bare);
  });
}

const FORMS: [string, ReturnType<typeof cidrForms>][] = [
  [
    '10.10.31.11/24',
    {
      address: '10.10.31.11',
      prefix: 24,
      cidr: '10.10.31.11/24',
      netmask: '255.255.255.0',
      network: '10.10.31.0',
      broadcast: '10.10.31.255',
    },
  ],
  [
    '192.168.31.101',
    {
      address: '192.168.31.101',
      prefix: 32,
      cidr: '192.168.31.101/32',
      netmask: '255.255.255.255',
      network: '192.168.31.101',
      broadcast: '192.168.31.101',
    },
  ],
  [
    '172.16.5.9/20',
    {
      address: '172.16.5.9',
      prefix: 20,
      cidr: '172.16.5.9/20',
      netmask: '255.255.240.0',
      network: '172.16.0.0',
      broadcast: '172.16.15.255',
    },
  ],
];
for (const [text, forms] of FORMS) {
  test(`cidrForms ${text}`, (t) => {
    t.deepEqual(cidrForms(text), forms);
  });
}

test('cidrForms of an address the spec rules should have refused is a bug (InternalError)', (t) => {
  t.throws(() => cidrForms('10.0.0.1/40'), { instanceOf: InternalError, message: /10\.0\.0\.1\/40/ });
});

const CONTAINS: [string, string, boolean][] = [
  ['192.168.31.11/24', '192.168.31.101', true],
  ['192.168.31.11/24', '192.168.31.101/24', true],
  ['192.168.31.11/24', '192.168.32.1', false],
  ['10.0.0.1/0', '192.168.32.1', true],
  ['bad', '192.168.32.1', false],
  ['192.168.31.11/24', 'bad', false],
];
for (const [cidr, address, inside] of CONTAINS) {
  test(`cidrContains ${cidr} ${address} → ${String(inside)}`, (t) => {
    t.is(cidrContains(cidr, address), inside);
    const net = parseCidr(cidr);
    const ip = parseIpv4(bareAddress(address));
    if (net !== null && ip !== null) t.is(inSubnet(ip, net), inside);
  });
}

const MASKS: [number, number, string][] = [
  [0, 0, '0.0.0.0'],
  [24, 0xffffff00, '255.255.255.0'],
  [32, 0xffffffff, '255.255.255.255'],
];
for (const [prefix, mask, dotted] of MASKS) {
  test(`prefixMask /${prefix} and netmaskPrefix ${dotted}`, (t) => {
    t.is(prefixMask(prefix), mask);
    t.is(netmaskPrefix(dotted), prefix);
  });
}

test('netmaskPrefix refuses a non-contiguous or malformed mask; formatSubnet prints the network', (t) => {
  t.is(netmaskPrefix('255.0.255.0'), null);
  t.is(netmaskPrefix('255.255.255'), null);
  t.is(formatSubnet({ address: parseIpv4('192.168.31.101')!, prefix: 24 }), '192.168.31.0/24');
});
