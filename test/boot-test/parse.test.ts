import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  ipvsVersionOfIpvsadm,
  ipvsVersionOfKernel,
  normalizeMarkRules,
  normalizeRules,
  parseInetAddresses,
} from '../../src/boot-test/parse.js';
import {
  BOOT_DONE_PATTERN,
  degradedLine,
  FINAL_PATTERN,
  findFailures,
  parseDegradedLine,
  parseReadyLine,
  readyLikeLine,
} from '../../src/runtime/console-contract.js';
import { normalizeConsoleText } from '../../src/lib/console.js';

const RECORDED = normalizeConsoleText(
  readFileSync(new URL('../fixtures/boot-test/console-lv1-direct.txt', import.meta.url), 'utf8'),
);

test('the ready line of a recorded boot', (t) => {
  t.deepEqual(parseReadyLine(RECORDED), { hostname: 'lv1', mode: 'rules', services: 1, realServers: 2 });
  t.is(parseReadyLine('lvs-image: ready lv1 mode=rules services=1\n'), undefined);
});

test('a line that starts like the ready line is found as printed, for the report', (t) => {
  t.is(readyLikeLine('x\nlvs-image: ready lv1 serv\n'), 'lvs-image: ready lv1 serv');
  t.is(readyLikeLine('lvs-image: FAILED vips: see above\n'), undefined);
});

test('the DEGRADED line: formatted and parsed back, the failed steps split; the last boot line either way', (t) => {
  const line = degradedLine('lv1', 'rules', 1, 2, ['interface eth0', 'vip eth0:100']);
  t.is(
    line,
    'lvs-image: DEGRADED lv1 mode=rules services=1 realservers=2 failed=interface eth0,vip eth0:100',
  );
  t.deepEqual(parseDegradedLine(`x\n${line}\n/ # `), {
    hostname: 'lv1',
    mode: 'rules',
    services: 1,
    realServers: 2,
    failed: ['interface eth0', 'vip eth0:100'],
    line,
  });
  t.is(parseDegradedLine(RECORDED), undefined);
  t.is(parseReadyLine(line), undefined);
  t.regex(line, FINAL_PATTERN);
  t.regex(line, BOOT_DONE_PATTERN);
  t.regex(RECORDED, FINAL_PATTERN);
  t.notRegex('lvs-image: FAILED x: y\n', FINAL_PATTERN);
});

test('FAILED lines, in order', (t) => {
  t.deepEqual(findFailures(RECORDED), []);
  const text = 'x\nlvs-image: FAILED modules: insmod ip_vs failed\nlvs-image: FAILED ipvsadm: line 2\n';
  t.deepEqual(findFailures(text), [
    'lvs-image: FAILED modules: insmod ip_vs failed',
    'lvs-image: FAILED ipvsadm: line 2',
  ]);
});

test('IPVS versions from ipvsadm --version and /proc/net/ip_vs (measured-here.md outputs)', (t) => {
  t.is(ipvsVersionOfIpvsadm('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n'), '1.2.1');
  t.is(ipvsVersionOfIpvsadm('ipvsadm v1.24 2005/12/10 (compiled with popt and IPVS v1.2.0)'), '1.2.0');
  t.is(ipvsVersionOfKernel('IP Virtual Server version 1.2.1 (size=4096)\n'), '1.2.1');
  t.is(ipvsVersionOfKernel("cat: can't open '/proc/net/ip_vs': No such file or directory\n"), undefined);
});

test('inet addresses with their labels, busybox and iproute2 layouts', (t) => {
  const busybox =
    '2: eth0: <UP> mtu 1500\n    inet 10.10.31.11/24 scope global eth0\n       valid_lft forever\n    inet 10.10.31.100/32 scope global eth0:100\n';
  t.deepEqual(parseInetAddresses(busybox), [
    { address: '10.10.31.11', prefixLength: 24, label: 'eth0' },
    { address: '10.10.31.100', prefixLength: 32, label: 'eth0:100' },
  ]);
  const iproute2 = '    inet 10.10.31.11/24 brd 10.10.31.255 scope global secondary eth0:1\n';
  t.deepEqual(parseInetAddresses(iproute2), [{ address: '10.10.31.11', prefixLength: 24, label: 'eth0:1' }]);
});

test('rules are compared without comments, blank lines and trailing-newline differences', (t) => {
  t.is(normalizeRules('# generated\n-A -t 1.2.3.4:80 -s lc\n\n'), '-A -t 1.2.3.4:80 -s lc\n');
  t.is(normalizeRules('-A -t 1.2.3.4:80 -s lc'), '-A -t 1.2.3.4:80 -s lc\n');
  t.is(normalizeRules(''), '');
});

test('mark rules: the PREROUTING appends, --set-mark N as iptables lists it back', (t) => {
  const file =
    '*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 1.2.3.4/32 -p tcp -j MARK --set-mark 10\nCOMMIT\n';
  t.is(normalizeMarkRules(file), '-A PREROUTING -d 1.2.3.4/32 -p tcp -j MARK --set-xmark 0xa/0xffffffff\n');
  t.is(normalizeMarkRules('-P PREROUTING ACCEPT\n'), '');
  t.is(
    normalizeMarkRules('-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff'),
    '-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff\n',
  );
});
