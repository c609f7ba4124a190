import test from 'ava';
import { parseConnections, parseVipHeld } from '../../src/lab/checks/metrics.js';
import { parseReceived } from '../../src/lab/checks/syslog.js';
import type { LabRealServer } from '../../src/lab/plan/types.js';
import { checkAllAnswer, checkOnly, formatLabTable, tallyAnswers } from '../../src/lab/tally.js';

const SERVERS = [
  { name: 'w101', body: 'w101 nano' },
  { name: 'w102', body: 'w102 desu' },
] as LabRealServer[];

test('answers are counted by body; failures and strangers separately', (t) => {
  t.deepEqual(tallyAnswers(['w101 nano\n', 'w102 desu\n', 'w101 nano\n', undefined, 'hello'], SERVERS), {
    byServer: { w101: 2, w102: 1 },
    unknown: 1,
    failed: 1,
  });
});

test('every server must answer; a silent one is named', (t) => {
  t.true(checkAllAnswer('all', tallyAnswers(['w101 nano', 'w102 desu'], SERVERS)).ok);
  const silent = checkAllAnswer('all', tallyAnswers(['w101 nano', 'w101 nano', undefined], SERVERS));
  t.false(silent.ok);
  t.is(silent.detail, 'w101 2, w102 0, failed 1; never answered: w102');
});

test('only the allowed servers may answer, and every request must be answered', (t) => {
  t.true(checkOnly('only', tallyAnswers(['w101 nano', 'w101 nano'], SERVERS), ['w101']).ok);
  t.false(checkOnly('only', tallyAnswers(['w101 nano', 'w102 desu'], SERVERS), ['w101']).ok);
  t.false(checkOnly('only', tallyAnswers(['w101 nano', undefined], SERVERS), ['w101']).ok);
});

test('the table shows who answered', (t) => {
  const table = formatLabTable([
    checkAllAnswer('20 requests', tallyAnswers(['w101 nano', 'w102 desu'], SERVERS)),
  ]);
  t.is(table, 'check        result  answers\n20 requests  ok      w101 1, w102 1\n');
});

test('parseConnections: lvs_realserver_connections_total per real server address', (t) => {
  const text = [
    '# TYPE lvs_realserver_connections_total counter',
    'lvs_realserver_connections_total{protocol="tcp",service="10.10.31.100:80",realserver="192.168.31.101:80"} 11',
    'lvs_realserver_connections_total{protocol="tcp",service="10.10.31.100:80",realserver="192.168.31.102:80"} 9',
    'lvs_service_connections_total{protocol="tcp",service="10.10.31.100:80"} 20',
  ].join('\n');
  t.deepEqual(parseConnections(text), { '192.168.31.101:80': 11, '192.168.31.102:80': 9 });
});

test('parseVipHeld: lvs_vip_held per floating address', (t) => {
  const text = [
    '# TYPE lvs_vip_held gauge',
    'lvs_vip_held{address="10.10.31.100",interface="eth0"} 1',
    'lvs_vip_held{address="192.168.31.1",interface="eth1"} 0',
    'lvs_service_connections_total{protocol="tcp",service="10.10.31.100:80"} 20',
  ].join('\n');
  t.deepEqual(parseVipHeld(text), { '10.10.31.100': 1, '192.168.31.1': 0 });
  t.deepEqual(parseVipHeld('# no pair\n'), {});
});

test('parseReceived: each received datagram with its sender, the text kept whole', (t) => {
  const file = [
    '192.168.31.12 <29>Dec  1 12:00:03 Keepalived_vrrp[61]: (dsas_eth0) Entering MASTER STATE',
    '192.168.31.11 <6>Dec  1 12:00:01 kernel: IPVS: ipvs loaded.',
    '',
  ].join('\n');
  t.deepEqual(parseReceived(file), [
    {
      from: '192.168.31.12',
      text: '<29>Dec  1 12:00:03 Keepalived_vrrp[61]: (dsas_eth0) Entering MASTER STATE',
    },
    { from: '192.168.31.11', text: '<6>Dec  1 12:00:01 kernel: IPVS: ipvs loaded.' },
  ]);
  t.deepEqual(parseReceived(''), []);
});
