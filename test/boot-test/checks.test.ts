import test from 'ava';
import { checkBoot, type BootExpectation, type BootObservation } from '../../src/boot-test/checks.js';
import { formatBootFailures, formatBootTable } from '../../src/boot-test/report.js';

const RULES =
  '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n';
const EXPECTED: BootExpectation = {
  rules: RULES,
  vips: [{ address: '10.10.31.100', label: 'eth0:100', interface: 'eth0' }],
  services: 1,
  realServers: 2,
};
const GOOD: BootObservation = {
  hostname: 'lv1',
  console: 'boot...\nlvs-image: ready lv1 services=1 realservers=2\n/ # ',
  rules: RULES,
  ipvsadmVersion: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n',
  procIpVs: 'IP Virtual Server version 1.2.1 (size=4096)\n',
  ipForward: '1\n',
  addresses: {
    eth0: '    inet 10.10.31.11/24 scope global eth0\n    inet 10.10.31.100/32 scope global eth0:100\n',
  },
};

const failing = (o: BootObservation, e = EXPECTED) => checkBoot(e, o).filter((c) => !c.ok);

test('a good boot passes every check', (t) => {
  const checks = checkBoot(EXPECTED, GOOD);
  t.deepEqual(
    checks.map((c) => c.name),
    ['ready line', 'no FAILED step', 'ipvsadm -Sn', 'IPVS version', 'ip_forward', 'VIP 10.10.31.100'],
  );
  t.deepEqual(failing(GOOD), []);
});

const BAD: [string, Partial<BootObservation>, string, RegExp][] = [
  ['no ready line', { console: 'Kernel panic\n' }, 'ready line', /no `lvs-image: ready` line/],
  [
    'wrong counts',
    { console: 'lvs-image: ready lv1 services=1 realservers=1\n' },
    'ready line',
    /expected `ready lv1 services=1 realservers=2`/,
  ],
  [
    'a FAILED step',
    { console: GOOD.console + '\nlvs-image: FAILED sysctl: x\n' },
    'no FAILED step',
    /FAILED sysctl/,
  ],
  [
    'IPVS version mismatch',
    { ipvsadmVersion: 'ipvsadm v1.24 2005/12/10 (compiled with popt and IPVS v1.2.0)' },
    'IPVS version',
    /1\.2\.0.*1\.2\.1/,
  ],
  ['ip_forward off', { ipForward: '0\n' }, 'ip_forward', /= 0/],
  [
    'VIP without its label',
    { addresses: { eth0: '    inet 10.10.31.100/32 scope global eth0\n' } },
    'VIP 10.10.31.100',
    /expected eth0:100/,
  ],
  [
    'VIP missing',
    { addresses: { eth0: '    inet 10.10.31.11/24 scope global eth0\n' } },
    'VIP 10.10.31.100',
    /not on eth0/,
  ],
  ['shell never answered', { rules: undefined }, 'ipvsadm -Sn', /never answered/],
];
for (const [title, change, name, detail] of BAD) {
  test(`fails on ${title}`, (t) => {
    const bad = failing({ ...GOOD, ...change });
    t.deepEqual(
      bad.map((c) => c.name),
      [name],
    );
    t.regex(bad[0]?.detail ?? '', detail);
  });
}

test('a rules mismatch carries a diff naming the line, and the report shows it with the console log', (t) => {
  const expected = { ...EXPECTED, rules: RULES.replace('101:80 -m -w 1', '101:80 -m -w 2') };
  const checks = checkBoot(expected, GOOD);
  const rules = checks.find((c) => c.name === 'ipvsadm -Sn');
  t.false(rules?.ok);
  t.regex(rules?.diff ?? '', /^--a -t 10\.10\.31\.100:80 -r 192\.168\.31\.101:80 -m -w 2$/m);
  t.regex(rules?.diff ?? '', /^\+-a -t 10\.10\.31\.100:80 -r 192\.168\.31\.101:80 -m -w 1$/m);
  const result = {
    hostname: 'lv1',
    via: 'pxe' as const,
    ok: false,
    checks,
    consoleLog: '/out/s/lv1/boot-test-pxe.log',
    bootMs: 12_345,
  };
  const text = formatBootFailures([result]);
  t.regex(text, /^lv1 \(pxe boot\): 1 check failed$/m);
  t.regex(text, /^ {4}@@ -1,3 \+1,3 @@$/m);
  t.regex(text, /console log: \/out\/s\/lv1\/boot-test-pxe\.log/);
  t.is(formatBootFailures([{ ...result, ok: true }]), '');
  t.regex(formatBootTable([result]), /^lv1 +pxe +ipvsadm -Sn +FAIL +the IPVS table differs/m);
  t.regex(formatBootTable([result]), /^lv1 +pxe +boot time +ok +12\.3 s to the ready line$/m);
});
