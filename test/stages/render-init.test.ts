/**
 * Runs the rendered /init for real in rules mode (test/_helpers/init-root.ts: busybox in a chroot inside fresh
 * namespaces, two veth NICs whose names are swapped against their MACs). IPVS is absent on the host, so a
 * stand-in `ipvsadm` keeps the restored lines as its "table"; the kernel-side check is the QEMU boot test. The
 * other paths of /init (keepalived, pair, daemons, syslog) are test/runtime/init-run.test.ts.
 */
import type { ExecutionContext } from 'ava';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { degradedLine, FINAL_PATTERN, READY_PATTERN } from '../../src/runtime/console-contract.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { bootInit, makeInitRoot } from '../_helpers/init-root.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeSpec } from '../_helpers/make-spec.js';

const NEEDS = ['root', 'unshare', 'nsenter', 'ip', 'busybox', 'chroot'];
// eth0 gets eth1's MAC and vice versa: /init must rename them by MAC.
const NICS = [
  { name: 'eth0', mac: '52:54:00:31:01:11' },
  { name: 'eth1', mac: '52:54:00:31:00:11' },
];

/** Boots lv1's /init (the fake ipvsadm loses lines naming `drop`, if given) and returns its console and state. */
async function bootLv1(t: ExecutionContext, drop?: string): Promise<string> {
  const root = makeInitRoot(applyDefaults(makeSpec()), 'lv1');
  if (drop !== undefined) writeFileSync(path.join(root, 'etc/fake-drop'), drop);
  const init = bootInit(root, NICS);
  try {
    t.true(await init.waitFor(FINAL_PATTERN, 60_000), 'no ready or DEGRADED line within 60 s');
    const out = [
      init.console(),
      init.inside('ip -o addr show'),
      init.inside('ip -o link show'),
      `forward=${init.inside('cat /proc/sys/net/ipv4/ip_forward')}`,
      `host=${init.inside('hostname')}`,
    ].join('');
    t.log(out);
    return out;
  } finally {
    init.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

integrationTest(
  'rendered /init configures interfaces by MAC, VIP label, sysctl, rules, one ready line',
  NEEDS,
  async (t) => {
    const out = await bootLv1(t);
    t.notRegex(out, /lvs-image: FAILED/);
    t.is(out.match(/^lvs-image: ready .*$/gm)?.length, 1);
    t.deepEqual(READY_PATTERN.exec(out)?.slice(1), ['lv1', 'rules', '1', '2']);
    t.regex(out, /\d+: eth0 +inet 10\.10\.31\.11\/24 brd 10\.10\.31\.255 /);
    t.regex(out, /\d+: eth0 +inet 10\.10\.31\.100\/32 scope global eth0:100/);
    t.regex(out, /\d+: eth1 +inet 192\.168\.31\.11\/24 brd 192\.168\.31\.255 /);
    t.regex(out, /\d+: eth0@p\d: .*link\/ether 52:54:00:31:00:11 /);
    t.regex(out, /\d+: lo: <LOOPBACK,UP/);
    t.regex(out, /forward=1\n/);
    t.regex(out, /host=lv1\n/);
  },
);

integrationTest(
  'a rule that silently fails to load: a FAILED line, then the DEGRADED line with the counts instead of ready',
  NEEDS,
  async (t) => {
    const out = await bootLv1(t, '192.168.31.102');
    t.regex(out, /^lvs-image: FAILED ipvsadm count: expected services=1 realservers=2$/m);
    t.true(out.includes(`\n${degradedLine('lv1', 'rules', 1, 1, ['ipvsadm count'])}\n`));
    t.notRegex(out, /^lvs-image: ready /m);
  },
);
