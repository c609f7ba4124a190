/** access.ssh outside the build: where dropbear listens, the site's known_hosts, what the lab reads from ssh -v. */
import test from 'ava';
import { resolveDirector } from '../../src/director/resolve.js';
import { knownHostsLine } from '../../src/layout.js';
import { offeredAuthMethods } from '../../src/lab/checks/ssh.js';
import { udpPorts } from '../../src/lab/checks/udp-scan.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { loadSpec } from '../../src/spec/load.js';
import { sshListen } from '../../src/director/access.js';
import { makeDirectorView } from '../../src/stages/render/director-view.js';

test('sshListen: the own address of each listen role (never a VIP), default inside, on the spec port', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const d = spec.directors[0]!;
  t.deepEqual(sshListen(spec, d), [{ address: '192.168.31.11', port: 22 }]);
  const both = {
    ...spec,
    access: {
      ...spec.access,
      ssh: { ...spec.access!.ssh!, listen: ['outside', 'inside'] as ('outside' | 'inside')[], port: 2222 },
    },
  };
  t.deepEqual(sshListen(both, d), [
    { address: '10.10.31.11', port: 2222 },
    { address: '192.168.31.11', port: 2222 },
  ]);
  t.deepEqual(makeDirectorView(resolveDirector(applyDefaults(both), d)).access.ssh?.listen, [
    '10.10.31.11:2222',
    '192.168.31.11:2222',
  ]);
  const rest = { ...spec.access! };
  delete rest.ssh;
  t.deepEqual(sshListen({ ...spec, access: rest }, d), []);
});

test('the local syslog ring runs when daemons log and nothing goes remote', async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const d = spec.directors[0]!;
  t.false(
    makeDirectorView(resolveDirector(spec, d)).access.localSyslog,
    'remote syslog keeps the ring itself',
  );
  const noRemote = { ...spec.access! };
  delete noRemote.syslog;
  t.true(makeDirectorView(resolveDirector({ ...spec, access: noRemote }, d)).access.localSyslog);
});

test('knownHostsLine: the hostname and every listen address, [address]:port off port 22', (t) => {
  t.is(
    knownHostsLine('lv4', [{ address: '192.168.31.11', port: 22 }], 'ssh-ed25519 AAAA'),
    'lv4,192.168.31.11 ssh-ed25519 AAAA\n',
  );
  t.is(
    knownHostsLine('lv4', [{ address: '192.168.31.11', port: 2222 }], 'ssh-ed25519 AAAA'),
    'lv4,[192.168.31.11]:2222 ssh-ed25519 AAAA\n',
  );
});

test('offeredAuthMethods reads what the server offers after the none probe', (t) => {
  t.deepEqual(offeredAuthMethods('debug1: Authentications that can continue: publickey\n'), ['publickey']);
  t.deepEqual(offeredAuthMethods('debug1: Authentications that can continue: publickey,password\n'), [
    'publickey',
    'password',
  ]);
  t.is(offeredAuthMethods('ssh: connect to host 1.2.3.4 port 22: Connection refused'), null);
});

test('udpPorts reads the local UDP ports of netstat -lun', (t) => {
  const out = [
    'Active Internet connections (only servers)',
    'Proto Recv-Q Send-Q Local Address           Foreign Address         State',
    'udp        0      0 0.0.0.0:33374           0.0.0.0:*',
    'udp        0      0 192.168.31.11:123       0.0.0.0:*',
    'udp        0      0 0.0.0.0:33374           0.0.0.0:*',
  ].join('\n');
  t.deepEqual(udpPorts(out), [123, 33374]);
  t.deepEqual(udpPorts(''), []);
});
