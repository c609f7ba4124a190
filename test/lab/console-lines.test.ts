/** The console lines the lab waits for. */
import test from 'ava';
import {
  BOOT_END_LINE,
  countMatches,
  degradedBoot,
  groupMasterLine as masterLine,
  lastVrrpState,
} from '../../src/lab/console-lines.js';
import { STOP_KEEPALIVED } from '../../src/lab/scenarios/changes.js';

// lv1's console in a rolling change (2026-12-07): a kernel line cut dsas_eth0's MASTER line in two.
const CUT = [
  '[keepalived] Mon Dec  7 15:30:00 2026: (dsas_eth0) received lower priority (100) advert from 10.10.31.12 - discarding',
  '[keepalived] Mon Dec  7 15:30:00 2026: (dsas_ethIPVS: stopping backup sync thread 74 ...',
  '0) Entering MASTER STATE',
  '[keepalived] Mon Dec  7 15:30:00 2026: VRRP_Group(dsas) Syncing instances to MASTER state',
  '[keepalived] Mon Dec  7 15:30:00 2026: (dsas_eth1) Entering MASTER STATE',
  '',
].join('\n');

test('a takeover counts by any instance of the sync group, so a MASTER line cut by a kernel line still shows it', (t) => {
  t.is(countMatches(CUT, masterLine(['dsas_eth0'])), 0, 'the first instance alone misses it');
  t.is(countMatches(CUT, masterLine(['dsas_eth0', 'dsas_eth1'])), 1);
  const whole =
    '[keepalived] x: (dsas_eth0) Entering MASTER STATE\n[keepalived] x: (dsas_eth1) Entering MASTER STATE\n';
  t.is(countMatches(whole, masterLine(['dsas_eth0', 'dsas_eth1'])), 2);
  t.is(
    countMatches('(dsas_eth0) Entering MASTER STATE\n', masterLine(['dsas_eth0'])),
    0,
    'only the supervisor-tagged line',
  );
});

test('lastVrrpState: the last state an instance entered', (t) => {
  t.is(lastVrrpState('(i) Entering BACKUP STATE\n(i) Entering MASTER STATE\n', 'i'), 'MASTER');
  t.is(lastVrrpState('(j) Entering MASTER STATE\n', 'i'), undefined);
});

test("the clean stop is the runtime table's stop for good of keepalived", (t) => {
  t.is(STOP_KEEPALIVED, 'touch /run/keepalived.down; kill $(cat /run/keepalived.pid)');
});

test('the end of a boot: the ready line or the DEGRADED line, which the lab refuses as printed', (t) => {
  const ready = 'lvs-image: ready lv1 mode=rules services=1 realservers=2';
  const degraded = 'lvs-image: DEGRADED lv1 mode=rules services=1 realservers=2 failed=carrier eth0';
  t.is(BOOT_END_LINE.exec(`x\n${ready}\n`)?.[0], ready);
  t.is(BOOT_END_LINE.exec(`lvs-image: FAILED carrier eth0: no carrier\n${degraded}\n`)?.[0], degraded);
  t.is(degradedBoot(ready), undefined);
  t.is(degradedBoot(degraded), degraded);
});
