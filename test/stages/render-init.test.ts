/**
 * Runs the rendered /init for real: busybox (static) in a chroot, inside fresh network, mount, UTS and PID
 * namespaces, with two veth NICs whose names are swapped against their MACs. IPVS is absent on the host, so
 * a stand-in `ipvsadm` keeps the restored lines as its "table"; the kernel-side check is the QEMU boot test.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { READY_PATTERN } from '../../src/runtime/console-contract.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { renderSite } from '../../src/stages/render.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeSpec } from '../_helpers/make-spec.js';

const FAKE_IPVSADM = `#!/bin/sh
# Stand-in for ipvsadm: the "table" is the restored lines; /etc/fake-drop silently loses w102.
t=/run/ipvs
case "$1" in
-C) : >"$t" ;;
-R) while read -r line; do
	case $line in -e*) continue ;; esac
	if [ -e /etc/fake-drop ] && [ "\${line#*192.168.31.102}" != "$line" ]; then continue; fi
	echo "$line" >>"$t"
done ;;
-Sn) cat "$t" ;;
*) exit 2 ;;
esac
`;

function makeRoot(drop: boolean): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lvs-init-root-'));
  for (const f of renderSite(applyDefaults(makeSpec()))) {
    if (!f.relPath.startsWith('lv1/rootfs/')) continue;
    const target = path.join(root, f.relPath.slice('lv1/rootfs/'.length));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.mode });
  }
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'sbin'));
  copyFileSync(
    spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim(),
    path.join(root, 'bin/busybox'),
  );
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  const applets = spawnSync('busybox', ['--list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((a) => /^[a-z0-9.[_-]+$/.test(a));
  for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', path.join(root, 'bin', a));
  mkdirSync(path.join(root, 'proc'));
  mkdirSync(path.join(root, 'dev'));
  writeFileSync(path.join(root, '.cmdline'), 'console=ttyS0 lvs.shell=0\n');
  writeFileSync(path.join(root, 'sbin/ipvsadm'), FAKE_IPVSADM, { mode: 0o755 });
  if (drop) writeFileSync(path.join(root, 'etc/fake-drop'), '');
  return root;
}

/** Runs `cmd` in the network and UTS namespaces of process `pid`. */
function inside(pid: number, cmd: string[]): string {
  const r = spawnSync('nsenter', ['--target', String(pid), '--net', '--uts', ...cmd], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/**
 * Boots /init in namespaces until its ready line (60 s at most), dumps the network state it left from
 * outside, then kills it. Before /init runs, the harness mounts a proc whose cmdline says `lvs.shell=0` and an
 * empty tmpfs on /dev, so the console step never reaches the host's console.
 */
function bootInit(root: string): Promise<string> {
  // eth0 gets eth1's MAC and vice versa: /init must rename them by MAC.
  const setup = [
    'ip link add eth0 address 52:54:00:31:01:11 type veth peer name p0',
    'ip link add eth1 address 52:54:00:31:00:11 type veth peer name p1',
    `mount -t proc proc ${root}/proc`,
    `mount --bind ${root}/.cmdline ${root}/proc/cmdline`,
    `mount -t tmpfs tmpfs ${root}/dev`,
    `exec chroot ${root} /init`,
  ].join(' && ');
  const child = spawn(
    'unshare',
    ['--net', '--mount', '--uts', '--pid', '--fork', '--kill-child', 'sh', '-c', setup],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let done = false;
  return new Promise((resolve) => {
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const pid = child.pid === undefined ? '' : readChildren(child.pid);
      if (pid !== '') {
        out += inside(Number(pid), ['ip', '-o', 'addr', 'show']);
        out += inside(Number(pid), ['ip', '-o', 'link', 'show']);
        out += `forward=${inside(Number(pid), ['cat', '/proc/sys/net/ipv4/ip_forward'])}`;
        out += `host=${inside(Number(pid), ['hostname'])}`;
      }
      // unshare --kill-child passes this on to /init (PID 1 of the namespace), which takes the rest with it.
      child.kill('SIGKILL');
      resolve(out);
    };
    const timer = setTimeout(finish, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (READY_PATTERN.test(out)) finish();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', finish);
  });
}

/** The PID (host view) of the child unshare forked: /init. */
function readChildren(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0] ?? '';
  } catch {
    return '';
  }
}

integrationTest(
  'rendered /init configures interfaces by MAC, VIP label, sysctl, rules, one ready line',
  ['root', 'unshare', 'nsenter', 'ip', 'busybox', 'chroot'],
  async (t) => {
    const root = makeRoot(false);
    try {
      const out = await bootInit(root);
      t.log(out);
      t.notRegex(out, /lvs-image: FAILED/);
      t.is(out.match(/^lvs-image: ready .*$/gm)?.length, 1);
      const ready = READY_PATTERN.exec(out);
      t.deepEqual(ready?.slice(1), ['lv1', 'rules', '1', '2']);
      t.regex(out, /\d+: eth0 +inet 10\.10\.31\.11\/24 brd 10\.10\.31\.255 /);
      t.regex(out, /\d+: eth0 +inet 10\.10\.31\.100\/32 scope global eth0:100/);
      t.regex(out, /\d+: eth1 +inet 192\.168\.31\.11\/24 brd 192\.168\.31\.255 /);
      t.regex(out, /\d+: eth0@p\d: .*link\/ether 52:54:00:31:00:11 /);
      t.regex(out, /\d+: lo: <LOOPBACK,UP/);
      t.regex(out, /forward=1\n/);
      t.regex(out, /host=lv1\n/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

integrationTest(
  'a rule that silently fails to load shows in the ready line and a FAILED line',
  ['root', 'unshare', 'nsenter', 'ip', 'busybox', 'chroot'],
  async (t) => {
    const root = makeRoot(true);
    try {
      const out = await bootInit(root);
      t.regex(out, /^lvs-image: FAILED ipvsadm count: expected services=1 realservers=2$/m);
      t.deepEqual(READY_PATTERN.exec(out)?.slice(1), ['lv1', 'rules', '1', '1']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
