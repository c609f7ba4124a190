import test from 'ava';
import { networkOf, parseIpAddrJson, prefixToNetmask } from '../../src/serve/index.js';

test('prefixToNetmask and networkOf', (t) => {
  t.is(prefixToNetmask(24), '255.255.255.0');
  t.is(prefixToNetmask(30), '255.255.255.252');
  t.is(prefixToNetmask(0), '0.0.0.0');
  t.is(prefixToNetmask(32), '255.255.255.255');
  t.is(networkOf('10.10.31.7', '255.255.255.0'), '10.10.31.0');
  t.is(networkOf('10.99.0.2', '255.255.255.252'), '10.99.0.0');
});

test('parseIpAddrJson keeps IPv4 addresses with their interface and netmask', (t) => {
  const json = JSON.stringify([
    { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    {
      ifname: 'tap0',
      addr_info: [
        { family: 'inet', local: '10.99.1.1', prefixlen: 24 },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
      ],
    },
    { ifname: 'eth9' },
  ]);
  t.deepEqual(parseIpAddrJson(json), [
    { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' },
    { name: 'tap0', address: '10.99.1.1', netmask: '255.255.255.0' },
  ]);
});
