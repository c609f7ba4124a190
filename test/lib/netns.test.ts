import test from 'ava';
import type { Run, RunOptions } from '../../src/lib/exec.js';
import {
  createTap,
  createVethPair,
  deleteNetns,
  labName,
  listNetns,
  netnsExecArgs,
  runInNetns,
  withNetns,
} from '../../src/lib/netns.js';
import { integrationTest } from '../_helpers/integration.js';

function fakeRun(): { run: Run; calls: string[] } {
  const calls: string[] = [];
  const run: Run = (file, args, _opts?: RunOptions) => {
    calls.push([file, ...args].join(' '));
    return Promise.resolve({ stdout: '', stderr: '', exitCode: 0 });
  };
  return { run, calls };
}

test('labName is short, per process and per suffix', (t) => {
  t.is(labName('t', 'a', 4242), 'lvsi-t-4242-a');
});

test('netnsExecArgs prefixes ip netns exec; bad names are refused', (t) => {
  t.deepEqual(netnsExecArgs('lab', 'dnsmasq', ['--test']), [
    'ip',
    ['netns', 'exec', 'lab', 'dnsmasq', '--test'],
  ]);
  t.throws(() => netnsExecArgs('../x', 'true', []), { message: /bad namespace name/ });
});

test('a veth pair is created inside its namespaces, never in the host', async (t) => {
  const { run, calls } = fakeRun();
  await createVethPair(
    { ns: 'a', ifname: 'va', cidr: '10.99.0.1/30' },
    { ns: 'b', ifname: 'vb', cidr: '10.99.0.2/30' },
    run,
  );
  t.deepEqual(calls, [
    'ip -n a link add va type veth peer name vb netns b',
    'ip -n a addr add 10.99.0.1/30 dev va',
    'ip -n a link set va up',
    'ip -n b addr add 10.99.0.2/30 dev vb',
    'ip -n b link set vb up',
  ]);
  t.true(calls.every((c) => c.startsWith('ip -n ')));
});

test('a tap joins its bridge; interface names over 15 bytes are refused', async (t) => {
  const { run, calls } = fakeRun();
  await createTap({ ns: 'lab', ifname: 'tap0', bridge: 'br0' }, run);
  t.deepEqual(calls, [
    'ip -n lab tuntap add dev tap0 mode tap',
    'ip -n lab link set tap0 master br0',
    'ip -n lab link set tap0 up',
  ]);
  await t.throwsAsync(createTap({ ns: 'lab', ifname: 'a-very-long-interface' }, run), {
    message: /at most 15/,
  });
});

test('withNetns deletes its namespaces even when the body throws', async (t) => {
  const { run, calls } = fakeRun();
  await t.throwsAsync(
    withNetns(['x', 'y'], () => Promise.reject(new Error('boom')), run),
    { message: 'boom' },
  );
  t.deepEqual(
    calls.filter((c) => c.includes('delete')),
    ['ip netns delete x', 'ip netns delete y'],
  );
});

integrationTest(
  'real namespaces: create, link, ping across a veth, delete',
  ['ip', 'busybox', 'root'],
  async (t) => {
    const [a, b] = [labName('n', 'a'), labName('n', 'b')];
    t.teardown(async () => {
      await deleteNetns(a);
      await deleteNetns(b);
    });
    await withNetns([a, b], async () => {
      await createVethPair(
        { ns: a, ifname: 've-a', cidr: '10.99.0.1/30' },
        { ns: b, ifname: 've-b', cidr: '10.99.0.2/30' },
      );
      const names = await listNetns();
      t.true(names.includes(a) && names.includes(b));
      const ping = await runInNetns(a, 'busybox', ['ping', '-c', '1', '-W', '5', '10.99.0.2']);
      t.is(ping.exitCode, 0);
    });
    const after = await listNetns();
    t.false(after.includes(a) || after.includes(b));
  },
);
