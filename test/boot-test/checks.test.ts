import test from 'ava';
import { checkBoot, type BootExpectation, type BootObservation } from '../../src/boot-test/checks.js';
import { formatBootFailures, formatBootTable } from '../../src/boot-test/report.js';

const RULES =
  '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n';
const EXPECTED: BootExpectation = {
  mode: 'rules',
  rules: RULES,
  vips: [{ address: '10.10.31.100', label: 'eth0:100', interface: 'eth0' }],
  services: 1,
  realServers: 2,
  daemons: [],
};
const GOOD: BootObservation = {
  hostname: 'lv1',
  console: 'boot...\nlvs-image: ready lv1 mode=rules services=1 realservers=2\n/ # ',
  rules: RULES,
  ipvsadmVersion: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n',
  procIpVs: 'IP Virtual Server version 1.2.1 (size=4096)\n',
  ipForward: '1\n',
  addresses: {
    eth0: '    inet 10.10.31.11/24 scope global eth0\n    inet 10.10.31.100/32 scope global eth0:100\n',
  },
};

const NOT_ANSWERED = 'not checked: the guest shell never answered (see the console log)';

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
    'a ready line that does not parse is shown as printed',
    { console: 'lvs-image: ready lv1 mode=rules services=1 realservers=2 trailing\n' },
    'ready line',
    /the ready line does not parse: `lvs-image: ready lv1 mode=rules services=1 realservers=2 trailing`/,
  ],
  [
    'no ready line, with the reason the console was given up on',
    {
      console: 'iPXE\n',
      stopped: 'lv1-pxe: the guest stopped (QEMU exited with status 0) before the ready line',
    },
    'ready line',
    /no `lvs-image: ready` line on the console \(lv1-pxe: the guest stopped \(QEMU exited with status 0\)/,
  ],
  [
    'wrong counts',
    { console: 'lvs-image: ready lv1 mode=rules services=1 realservers=1\n' },
    'ready line',
    /expected `ready lv1 mode=rules services=1 realservers=2`/,
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

test('a DEGRADED boot fails the ready line check, which shows the line as printed, beside its FAILED lines', (t) => {
  const degraded =
    'lvs-image: DEGRADED lv1 mode=rules services=1 realservers=2 failed=interface eth0,vip eth0:100';
  const console = [
    'lvs-image: FAILED interface eth0: no interface has MAC 52:54:00:31:00:11',
    'lvs-image:   present: eth0 52:54:00:12:34:56 driver e1000e',
    "lvs-image: FAILED vip eth0:100: ip addr add 10.10.31.100/32 label eth0:100 dev eth0 (ip: can't find device 'eth0')",
    degraded,
    '/ # ',
  ].join('\n');
  const bad = failing({ ...GOOD, console });
  t.deepEqual(
    bad.map((c) => [c.name, c.detail]),
    [
      ['ready line', `\`${degraded}\``],
      [
        'no FAILED step',
        "lvs-image: FAILED interface eth0: no interface has MAC 52:54:00:31:00:11; lvs-image: FAILED vip eth0:100: ip addr add 10.10.31.100/32 label eth0:100 dev eth0 (ip: can't find device 'eth0')",
      ],
    ],
  );
});

test('a daemon of a device the guest lacks (the watchdog) passes as not started; with the device it must run', (t) => {
  const e = { ...EXPECTED, daemons: ['watchdog' as const] };
  const absent = checkBoot(e, {
    ...GOOD,
    daemons: { watchdog: { pid: '', pidAfterKill: '', absent: '/dev/watchdog' } },
  }).filter((c) => c.name.startsWith('watchdog'));
  t.deepEqual(
    absent.map((c) => [c.name, c.ok, c.detail]),
    [['watchdog', true, 'not started: this guest has no /dev/watchdog']],
  );
  const dead = checkBoot(e, { ...GOOD, daemons: { watchdog: { pid: '', pidAfterKill: '' } } }).filter((c) =>
    c.name.startsWith('watchdog'),
  );
  t.deepEqual(
    dead.map((c) => [c.name, c.ok]),
    [
      ['watchdog', false],
      ['watchdog restarted', false],
    ],
  );
});
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
    bootEnd: 'ready' as const,
  };
  const text = formatBootFailures([result]);
  t.regex(text, /^lv1 \(pxe boot\): 1 check failed$/m);
  t.regex(text, /^ {4}@@ -1,3 \+1,3 @@$/m);
  t.regex(text, /console log: \/out\/s\/lv1\/boot-test-pxe\.log/);
  t.is(formatBootFailures([{ ...result, ok: true }]), '');
  t.regex(formatBootTable([result]), /^lv1 +pxe +ipvsadm -Sn +FAIL +the IPVS table differs/m);
  t.regex(formatBootTable([result]), /^lv1 +pxe +boot time +ok +12\.3 s to the ready line$/m);
  t.regex(
    formatBootTable([{ ...result, bootEnd: 'DEGRADED' }]),
    /^lv1 +pxe +boot time +ok +12\.3 s to the DEGRADED line$/m,
  );
});

const MARKS = [
  '# Generated by lvs-image for lv3.',
  '*mangle',
  ':PREROUTING ACCEPT [0:0]',
  '-A PREROUTING -d 10.10.31.100/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1',
  'COMMIT',
  '',
].join('\n');
const LISTED = [
  '-P PREROUTING ACCEPT',
  '-A PREROUTING -d 10.10.31.100/32 -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0x1/0xffffffff',
  '',
].join('\n');

test('netfilter marks: checked only when the director has iptables rules, against the listed mangle table', (t) => {
  t.false(checkBoot(EXPECTED, GOOD).some((c) => c.name === 'netfilter marks'));
  const expected = { ...EXPECTED, netfilter: MARKS };
  t.like(
    checkBoot(expected, { ...GOOD, mangle: LISTED }).find((c) => c.name === 'netfilter marks'),
    { ok: true, detail: '1 mangle PREROUTING rules as rendered' },
  );
  const missing = checkBoot(expected, { ...GOOD, mangle: '-P PREROUTING ACCEPT\n' });
  const check = missing.find((c) => c.name === 'netfilter marks');
  t.like(check, { ok: false, detail: 'the mangle table differs from the rendered rules' });
  t.regex(check?.diff ?? '', /^--A PREROUTING -d 10\.10\.31\.100\/32 .* --set-xmark 0x1\/0xffffffff$/m);
  const unprobed = checkBoot(expected, GOOD).find((c) => c.name === 'netfilter marks');
  t.false(unprobed?.ok);
  t.regex(unprobed?.detail ?? '', /never answered/);
});

test('keepalived running no checker: ipvsadm -Sn must be the rules-mode table, with a diff when it is not', (t) => {
  const FWMARK = '-A -f 7 -s wlc -p 600\n-a -f 7 -r 192.168.31.101:0 -m -w 1\n';
  const table = RULES + FWMARK;
  const expected: BootExpectation = { ...EXPECTED, mode: 'keepalived', rules: table, rulesModeTable: table };
  const named = (o: BootObservation) =>
    checkBoot(expected, o).find((c) => c.name === 'keepalived = rules mode');
  t.like(named({ ...GOOD, rules: table }), {
    ok: true,
    detail: "5 lines, the same spec's rules-mode table",
  });
  // The setsockopt keepalived: every service but the fwmark one.
  const short = named({ ...GOOD, rules: RULES });
  t.like(short, { ok: false, detail: 'keepalived wrote another table than /init would in rules mode' });
  t.regex(short?.diff ?? '', /^--- expected \(the same spec's rules-mode \/etc\/ipvsadm\.rules\)$/m);
  t.regex(short?.diff ?? '', /^--A -f 7 -s wlc -p 600$/m);
  t.like(named({ ...GOOD, rules: undefined }), { ok: false, detail: NOT_ANSWERED });
  t.false(
    checkBoot({ ...expected, rulesModeTable: undefined }, GOOD).some((c) => c.name.includes('rules mode')),
  );
});

test('every daemon of the table is checked in one shape: it runs, and another pid after a kill -9', (t) => {
  t.false(checkBoot(EXPECTED, GOOD).some((c) => c.name === 'ntpd'));
  const expected: BootExpectation = { ...EXPECTED, daemons: ['syslogd', 'ntpd'] };
  const seen = (ntpd: { pid: string; pidAfterKill: string }, name = 'ntpd') =>
    checkBoot(expected, { ...GOOD, daemons: { syslogd: { pid: '5\n', pidAfterKill: '9\n' }, ntpd } }).find(
      (c) => c.name === name,
    );
  t.deepEqual(
    checkBoot(expected, { ...GOOD, daemons: {} })
      .filter((c) => !c.ok)
      .map((c) => c.name),
    ['syslogd', 'syslogd restarted', 'ntpd', 'ntpd restarted'],
  );
  t.like(seen({ pid: '61\n', pidAfterKill: '80\n' }), { ok: true, detail: 'pid 61' });
  t.like(seen({ pid: '61\n', pidAfterKill: '80\n' }, 'ntpd restarted'), {
    ok: true,
    detail: 'after kill -9 of pid 61: pid 80',
  });
  t.like(seen({ pid: '\n', pidAfterKill: '' }), { ok: false, detail: 'not running (no pid)' });
  t.like(seen({ pid: '\n', pidAfterKill: '' }, 'ntpd restarted'), {
    ok: false,
    detail: 'not running, so not killed',
  });
  t.like(seen({ pid: '61\n', pidAfterKill: '' }, 'ntpd restarted'), {
    ok: false,
    detail: 'after kill -9 of pid 61: not running again (no pid)',
  });
  t.like(seen({ pid: '61\n', pidAfterKill: '61\n' }, 'ntpd restarted'), { ok: false });
  t.like(
    checkBoot(expected, GOOD).find((c) => c.name === 'ntpd restarted'),
    { ok: false, detail: 'not checked: the guest shell never answered (see the console log)' },
  );
});

test('keepalived mode: the ready line promises only the services; keepalived runs its rendered config, logs, and its table comes back', (t) => {
  const expected: BootExpectation = {
    ...EXPECTED,
    mode: 'keepalived',
    keepalivedConfSha256: 'c'.repeat(64),
    daemons: ['keepalived'],
  };
  const keepalived = {
    confSha256: `${'c'.repeat(64)}  /etc/keepalived/keepalived.conf\n`,
    logLines: '12\n',
    rulesAfterKill: RULES,
  };
  const good: BootObservation = {
    ...GOOD,
    console: 'lvs-image: ready lv1 mode=keepalived services=1 realservers=3\n',
    daemons: { keepalived: { pid: '39\n', pidAfterKill: '57\n' } },
    keepalived,
  };
  t.deepEqual(failing(good, expected), []);
  t.deepEqual(
    checkBoot(expected, good)
      .filter((c) => c.name.startsWith('keepalived'))
      .map((c) => c.detail),
    [
      'pid 39',
      'after kill -9 of pid 39: pid 57',
      '/etc/keepalived/keepalived.conf is the rendered one; 12 keepalived lines in logread',
      'as before the kill -9',
    ],
  );
  const bad = (k: Partial<typeof keepalived>) =>
    failing({ ...good, keepalived: { ...keepalived, ...k } }, expected).map((c) => `${c.name}: ${c.detail}`);
  t.regex(bad({ confSha256: `${'d'.repeat(64)}  x\n` }).join(), /sha256 d+ is not the rendered c+/);
  t.regex(bad({ logLines: '0\n' }).join(), /nothing from keepalived in logread/);
  t.regex(bad({ rulesAfterKill: '' }).join(), /keepalived table after restart: differs/);
  t.regex(
    failing({ ...good, console: 'lvs-image: ready lv1 mode=rules services=1 realservers=2\n' }, expected)
      .map((c) => c.detail)
      .join(),
    /expected `ready lv1 mode=keepalived services=1`, got `ready lv1 mode=rules services=1`/,
  );
  t.deepEqual(
    failing({ ...good, keepalived: undefined, daemons: undefined }, expected).map((c) => c.name),
    ['keepalived', 'keepalived restarted', 'keepalived config', 'keepalived table after restart'],
  );
});

test('SSH: dropbear listens on the spec addresses only, before and after its restart; a wildcard or missing listener fails', (t) => {
  t.false(checkBoot(EXPECTED, GOOD).some((c) => c.name === 'SSH listeners'));
  const expected: BootExpectation = {
    ...EXPECTED,
    ssh: { listen: ['192.168.31.11:22'] },
    daemons: ['dropbear'],
  };
  const netstat = (locals: string[]): string =>
    [
      'Active Internet connections (only servers)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State',
      ...locals.map((l) => `tcp        0      0 ${l}       0.0.0.0:*               LISTEN`),
    ].join('\n');
  const good = netstat(['192.168.31.11:22', '192.168.31.11:9100']);
  const ssh = { listeners: good, listenersAfterKill: good };
  const seen = (o: Partial<typeof ssh>, name = 'SSH listeners') =>
    checkBoot(expected, {
      ...GOOD,
      daemons: { dropbear: { pid: '42\n', pidAfterKill: '77\n' } },
      ssh: { ...ssh, ...o },
    }).find((c) => c.name === name);
  t.like(seen({}), { ok: true, detail: 'listening on 192.168.31.11:22' });
  t.like(seen({}, 'dropbear restarted'), { ok: true, detail: 'after kill -9 of pid 42: pid 77' });
  t.like(seen({ listeners: netstat(['0.0.0.0:22']) }), {
    ok: false,
    detail: 'listening on 0.0.0.0:22 (expected 192.168.31.11:22 only)',
  });
  t.like(seen({ listeners: netstat([]) }), {
    ok: false,
    detail: 'listening on nothing (expected 192.168.31.11:22 only)',
  });
  t.regex(checkBoot(expected, GOOD).find((c) => c.name === 'SSH listeners')?.detail ?? '', /never answered/);
  t.like(seen({}, 'SSH listeners after restart'), { ok: true, detail: 'listening on 192.168.31.11:22' });
  t.like(seen({ listenersAfterKill: netstat([]) }, 'SSH listeners after restart'), {
    ok: false,
    detail: 'listening on nothing (expected 192.168.31.11:22 only)',
  });
});
