/**
 * The rendered director files on a real kernel: Debian's 6.1 kernel with IPVS modules, busybox-static, a
 * static ipvsadm 1.31 and the rendered /init, booted in QEMU (TCG, no network: user mode with restrict=on).
 * A table using every option must come back from `ipvsadm -Sn` byte for byte as /etc/ipvsadm.rules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { READY_PATTERN } from '../../src/runtime/console-contract.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import type { Spec } from '../../src/spec/types.js';
import { renderSite } from '../../src/stages/render.js';
import { DEV_KERNEL, DEV_RELEASE, devImageAvailable } from '../_helpers/dev-image.js';
import { testIpvsadmSync } from '../_helpers/ipvsadm.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeSpec } from '../_helpers/make-spec.js';

/** Services in scrambled order with every save-format option, and addresses that sort "wrapped". */
function kitchenSinkSpec(): Spec {
  const spec = makeSpec();
  spec.realServers.push(
    { name: 'a', address: '10.10.31.201/24' },
    { name: 'b', address: '172.16.0.5/24' },
    { name: 'c', address: '192.168.31.9/24' },
  );
  spec.directors[0]!.services = [
    {
      protocol: 'tcp',
      vip: '10.10.31.100',
      port: 8080,
      scheduler: 'wrr',
      realServers: [
        { server: 'w102', forwarding: 'masq', port: 80, weight: 0 },
        { server: 'a', forwarding: 'gate', weight: 3, upperThreshold: 100, lowerThreshold: 10 },
        { server: 'c', forwarding: 'masq', port: 8080 },
        { server: 'b', forwarding: 'ipip' },
        { server: 'w101', forwarding: 'masq', port: 443 },
        { server: 'w101', forwarding: 'masq', port: 80 },
      ],
    },
    {
      protocol: 'fwmark',
      fwmark: 7,
      scheduler: 'rr',
      persistence: { timeout: 60, netmask: '255.255.0.0' },
      realServers: [
        { server: 'b', forwarding: 'gate' },
        { server: 'w101', forwarding: 'masq' },
      ],
    },
    {
      protocol: 'udp',
      vip: '192.168.31.50',
      port: 5060,
      scheduler: 'sh',
      persistence: {},
      persistenceEngine: 'sip',
      onePacket: true,
      schedulerFlags: ['sh-port', 'sh-fallback'],
      realServers: [{ server: 'w101', forwarding: 'masq' }],
    },
    {
      protocol: 'tcp',
      vip: '172.16.0.100',
      port: 443,
      scheduler: 'mh',
      schedulerFlags: ['mh-port'],
      realServers: [{ server: 'w102', forwarding: 'masq' }],
    },
    {
      protocol: 'tcp',
      vip: '10.10.31.100',
      port: 80,
      scheduler: 'lc',
      realServers: [
        { server: 'w102', forwarding: 'masq' },
        { server: 'w101', forwarding: 'masq' },
      ],
    },
    {
      protocol: 'tcp',
      vip: '10.10.31.100',
      port: 0,
      persistence: { timeout: 300 },
      realServers: [{ server: 'a', forwarding: 'gate' }],
    },
    {
      protocol: 'udp',
      vip: '10.10.31.100',
      port: 53,
      realServers: [{ server: 'a', forwarding: 'ipip', weight: 5 }],
    },
    {
      protocol: 'sctp',
      vip: '10.10.31.100',
      port: 9,
      scheduler: 'rr',
      realServers: [{ server: 'c', forwarding: 'masq' }],
    },
  ];
  return applyDefaults(spec);
}

const MODULES = [
  'crc32c_generic',
  'e1000',
  'ip_vs',
  'ip_vs_lc',
  'ip_vs_rr',
  'ip_vs_wrr',
  'ip_vs_wlc',
  'ip_vs_sh',
  'ip_vs_mh',
  'ip_vs_pe_sip',
];

/** Test harness as PID 1: runs the rendered /init, waits for its ready line, prints the tables, reboots. */
const HARNESS = `#!/bin/sh
mount -t devtmpfs devtmpfs /dev
/init >/tmp/init.log 2>&1 </dev/null &
i=0
while [ $i -lt 600 ] && ! grep -q 'lvs-image: ready' /tmp/init.log; do sleep 1; i=$((i + 1)); done
cat /tmp/init.log
echo ==SAVE
ipvsadm -Sn
echo ==THRESHOLDS
ipvsadm -Ln --thresholds
echo ==END
reboot -f
`;

function stageRoot(root: string, spec: Spec): string {
  let rules = '';
  for (const f of renderSite(spec)) {
    if (!f.relPath.startsWith('lv1/rootfs/')) continue;
    const target = path.join(root, f.relPath.slice('lv1/rootfs/'.length));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.mode });
    if (f.relPath.endsWith('/etc/ipvsadm.rules')) rules = f.content;
  }
  for (const dir of ['bin', 'sbin', 'dev', 'tmp']) mkdirSync(path.join(root, dir), { recursive: true });
  copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  for (const a of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n')) {
    if (/^[a-z0-9.[_-]+$/.test(a) && a !== 'busybox') symlinkSync('busybox', path.join(root, 'bin', a));
  }
  copyFileSync(testIpvsadmSync(), path.join(root, 'sbin/ipvsadm'));
  chmodSync(path.join(root, 'sbin/ipvsadm'), 0o755);
  for (const m of MODULES) {
    const deps = execFileSync('modprobe', ['-S', DEV_RELEASE, '--show-depends', m], { encoding: 'utf8' });
    for (const ko of deps
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((k) => k.endsWith('.ko'))) {
      mkdirSync(path.join(root, path.dirname(ko)), { recursive: true });
      copyFileSync(ko, path.join(root, ko));
    }
  }
  execFileSync('depmod', ['-b', root, DEV_RELEASE], { stdio: 'ignore' });
  writeFileSync(path.join(root, 'etc/modules'), MODULES.join('\n') + '\n');
  writeFileSync(path.join(root, 'harness'), HARNESS, { mode: 0o755 });
  execFileSync('mknod', ['-m', '600', path.join(root, 'dev/console'), 'c', '5', '1']);
  return rules;
}

integrationTest(
  'rendered ipvsadm.rules with every option restores to an identical `ipvsadm -Sn` on kernel 6.1',
  ['qemu-system-x86_64', 'cpio', 'gzip', 'depmod', 'modprobe', 'mknod', 'gcc', 'make'],
  (t) => {
    if (!devImageAvailable())
      return t.fail('needs /vmlinuz, busybox and a static ipvsadm (test/_helpers/dev-image.ts)');
    const dir = mkdtempSync(path.join(tmpdir(), 'lvs-render-qemu-'));
    try {
      const root = path.join(dir, 'root');
      const expected = stageRoot(root, kitchenSinkSpec());
      const list = execFileSync('sh', ['-c', 'find . | LC_ALL=C sort'], { cwd: root, encoding: 'utf8' });
      const cpio = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet'], {
        cwd: root,
        input: list,
        maxBuffer: 1 << 28,
      });
      writeFileSync(
        path.join(dir, 'initrd'),
        execFileSync('gzip', ['-1', '-n'], { input: cpio, maxBuffer: 1 << 28 }),
      );
      // The probe order names the NICs: the first carries eth1's MAC, so /init must rename them by MAC.
      const nics = ['52:54:00:31:01:11', '52:54:00:31:00:11'].flatMap((mac, i) => [
        '-netdev',
        `user,id=n${i},restrict=on`,
        '-device',
        `e1000,netdev=n${i},mac=${mac}`,
      ]);
      const qemu = spawnSync(
        'qemu-system-x86_64',
        [
          '-m',
          '512',
          '-nographic',
          '-no-reboot',
          ...nics,
          '-kernel',
          DEV_KERNEL,
          '-initrd',
          path.join(dir, 'initrd'),
          '-append',
          'console=ttyS0 rdinit=/harness lvs.shell=0 panic=-1 quiet',
        ],
        { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const console = qemu.stdout.replace(/\r/g, '');
      const section = (from: string, to: string): string =>
        console.split(`${from}\n`)[1]?.split(`${to}\n`)[0] ?? '';
      t.notRegex(console, /lvs-image: FAILED/);
      t.deepEqual(READY_PATTERN.exec(console)?.slice(1), ['lv1', 'rules', '8', '15']);
      t.is(section('==SAVE', '==THRESHOLDS'), expected);
      t.regex(section('==THRESHOLDS', '==END'), /-> 10\.10\.31\.201:8080 +100 +10 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
