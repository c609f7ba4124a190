import test from 'ava';
import { compareDests, compareServices, sortLikeGlibc } from '../../src/director/ipvsadm-order.js';

const svc = (fwmark: number, protocol: number, address: string, port: number) => ({
  fwmark,
  protocol,
  address,
  port,
});

test('services sort by fwmark, protocol, address, then port', (t) => {
  const input = [
    svc(1, 6, '0.0.0.0', 0),
    svc(0, 17, '10.0.0.1', 53),
    svc(0, 6, '10.0.0.1', 443),
    svc(0, 132, '10.0.0.1', 9),
    svc(0, 6, '10.0.0.1', 80),
    svc(0, 6, '10.0.0.2', 22),
  ];
  t.deepEqual(
    sortLikeGlibc(input, compareServices).map((s) => `${s.fwmark}/${s.protocol}/${s.address}:${s.port}`),
    [
      '0/6/10.0.0.1:80',
      '0/6/10.0.0.1:443',
      '0/6/10.0.0.2:22',
      '0/17/10.0.0.1:53',
      '0/132/10.0.0.1:9',
      '1/6/0.0.0.0:0',
    ],
  );
});

test('ports compare numerically, not as text', (t) => {
  const dests = [
    { address: '192.168.31.101', port: 8080 },
    { address: '192.168.31.101', port: 80 },
    { address: '192.168.31.101', port: 443 },
  ];
  t.deepEqual(
    sortLikeGlibc(dests, compareDests).map((d) => d.port),
    [80, 443, 8080],
  );
});

test('addresses more than 2^31 apart compare wrapped, as libipvs does (10.x after 192.168.x)', (t) => {
  const dests = [
    { address: '10.10.31.5', port: 80 },
    { address: '192.168.31.101', port: 80 },
    { address: '192.168.31.9', port: 80 },
  ];
  t.deepEqual(
    sortLikeGlibc(dests, compareDests).map((d) => d.address),
    ['192.168.31.9', '192.168.31.101', '10.10.31.5'],
  );
  t.true(compareDests({ address: '10.0.0.1', port: 1 }, { address: '10.0.0.2', port: 1 }) < 0);
});

test('the merge sort is stable and keeps the left element on ties', (t) => {
  const items = [3, 1, 2, 1, 3].map((k, i) => ({ k, i }));
  t.deepEqual(
    sortLikeGlibc(items, (a, b) => a.k - b.k).map((x) => x.i),
    [1, 3, 2, 0, 4],
  );
});
