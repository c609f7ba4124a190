/**
 * Runs a director's rendered /init for real: busybox (static, the host's) in a chroot holding every rendered file
 * of the director, inside fresh network, mount, UTS and PID namespaces, with one veth NIC per interface (the kernel
 * names swapped against the MACs, so /init must rename them). Programs the host cannot run there are stand-ins,
 * each named by the test that installs it (`fakes`); the kernel-side checks are the QEMU boot tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { renderSite } from '../../src/stages/render.js';

/**
 * Stand-in for ipvsadm (the host has no IPVS): the "table" is the restored lines in /run/ipvs; `-R` of lines
 * naming an address in /etc/fake-drop silently loses them; `-Ln` (the metrics) lists no service; every call's
 * argv goes to /run/ipvsadm.argv.
 */
export const FAKE_IPVSADM = `#!/bin/sh
echo "$*" >>/run/ipvsadm.argv
t=/run/ipvs
case "$1" in
-C) : >"$t" ;;
-R) while read -r line; do
	case $line in -e*) continue ;; esac
	if [ -s /etc/fake-drop ] && [ "\${line#*$(cat /etc/fake-drop)}" != "$line" ]; then continue; fi
	echo "$line" >>"$t"
done ;;
-Sn) [ ! -f "$t" ] || cat "$t" ;;
-Ln) echo 'IP Virtual Server version 1.2.1 (size=4096)' ;;
*) exit 2 ;;
esac
`;

/**
 * A stand-in daemon kept in the foreground: prints its argv (the supervisor tags the line), writes its pid where
 * `pidFile` says (if any), runs `then` (shell), and sleeps until killed.
 */
export function fakeDaemon(name: string, opts: { pidFile?: string; then?: string } = {}): string {
  return [
    '#!/bin/sh',
    `echo "fake ${name} started: $*"`,
    ...(opts.pidFile !== undefined ? [`echo $$ >${opts.pidFile}`] : []),
    opts.then ?? '',
    // No exec: the process keeps the stand-in's name (pidof finds it) and the pid written above.
    'while :; do sleep 1; done',
    '',
  ].join('\n');
}

/** Writes every rendered file of `hostname` and the host's busybox with its applets into a fresh folder. */
export function makeInitRoot(spec: Spec, hostname: string, fakes: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lvs-init-root-'));
  const prefix = `${hostname}/rootfs/`;
  for (const f of renderSite(spec)) {
    if (!f.relPath.startsWith(prefix)) continue;
    const target = path.join(root, f.relPath.slice(prefix.length));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.mode });
  }
  for (const dir of ['bin', 'sbin', 'usr/sbin', 'proc', 'dev', 'run', 'tmp'])
    mkdirSync(path.join(root, dir), { recursive: true });
  const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  copyFileSync(busybox, path.join(root, 'bin/busybox'));
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  const applets = spawnSync('busybox', ['--list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((a) => /^[a-z0-9.[_-]+$/.test(a));
  for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', path.join(root, 'bin', a));
  writeFileSync(path.join(root, '.cmdline'), 'console=ttyS0 lvs.shell=0\n');
  // Stand-ins go to /usr/sbin. The host's busybox sh runs its own applets before any PATH lookup
  // (FEATURE_SH_STANDALONE), so a stand-in for an applet (klogd) is only reached through its service file's argv
  // naming it by path: the test rewrites that word, and says so.
  for (const [name, text] of Object.entries({ ipvsadm: FAKE_IPVSADM, ...fakes })) {
    writeFileSync(path.join(root, 'usr/sbin', name), text, { mode: 0o755 });
    const services = path.join(root, 'etc/lvs/services');
    for (const f of existsSync(services) ? readdirSync(services, { withFileTypes: true }) : [])
      if (f.name.endsWith(`-${name}`)) {
        const file = path.join(services, f.name);
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace(`\nargv ${name} `, `\nargv /usr/sbin/${name} `),
        );
      }
  }
  return root;
}

/**
 * Shell for bootInit's `setup`: moves the NIC peer `peer` into a network namespace of its own, the host at the far
 * end of that link, whose namespace is then `$ns` (`nsenter --net=$ns ...`). Its link stays down until the caller
 * brings it up there. It ends with /init's PID namespace.
 */
export function farHost(root: string, peer: string): string {
  return [
    'unshare --net sleep 100000 &',
    'holder=$!',
    // This PID namespace's proc is the one under the root (the host's /proc has other pids).
    `ns=${root}/proc/$holder/ns/net`,
    `until [ "$(readlink $ns)" != "$(readlink ${root}/proc/self/ns/net)" ]; do sleep 0.05; done`,
    `ip link set ${peer} netns $holder`,
  ].join('\n');
}

/** A running /init in its namespaces: its console so far, commands inside, and the end. */
export interface BootedInit {
  /** Everything /init and its daemons printed so far. */
  console: () => string;
  /** Resolves once `re` matches the console (false after `boundMs`). */
  waitFor: (re: RegExp, boundMs: number) => Promise<boolean>;
  /** Runs a shell command inside the director (its namespaces and root); stdout and stderr. */
  inside: (command: string) => string;
  /** The host's view of /init's pid, or 0 before it is known. */
  pid: () => number;
  stop: () => void;
}

/** The PID (host view) of the first child of `pid`: /init, which unshare forked. */
function firstChild(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Starts /init of `root` in new namespaces. `nics` are created first, each as `name mac` with a peer `p<i>` (up,
 * so the NIC has carrier once /init brings it up), then
 * `setup` (shell, run outside the chroot in the director's network namespace, e.g. a log host on a peer; its
 * pids are the new PID namespace's, so it reads them under <root>/proc, not the host's /proc). The
 * harness mounts a proc whose cmdline says `lvs.shell=0` and a tmpfs on /dev whose console is /init's stdout, so
 * nothing reaches the host's console. Each of `devices` (e.g. `watchdog`) is a stand-in device there: a FIFO under
 * /dev whose bytes go to <root>/.dev-<name>.
 */
export function bootInit(
  root: string,
  nics: { name: string; mac: string }[],
  setup = '',
  devices: readonly string[] = [],
): BootedInit {
  const script = [
    // Each peer up, so each NIC has carrier once /init brings it up (/init waits for carrier).
    ...nics.map(
      (n, i) => `ip link add ${n.name} address ${n.mac} type veth peer name p${i} && ip link set p${i} up`,
    ),
    `mount -t proc proc ${root}/proc`,
    setup,
    `mount --bind ${root}/.cmdline ${root}/proc/cmdline`,
    `mount -t tmpfs tmpfs ${root}/dev`,
    // The supervisor writes daemon lines to /dev/console: here a FIFO copied to this test's pipe (opened for
    // reading and writing, so the copy never sees an end between two daemons' writers).
    `mkfifo ${root}/dev/console`,
    `cat 0<>${root}/dev/console &`,
    ...devices.map((d) => `mkfifo ${root}/dev/${d} && cat 0<>${root}/dev/${d} >${root}/.dev-${d} &`),
    `exec chroot ${root} /init`,
  ]
    .filter((l) => l !== '')
    .join('\n');
  const child: ChildProcess = spawn(
    'unshare',
    ['--net', '--mount', '--uts', '--pid', '--fork', '--kill-child', 'sh', '-ec', script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const pid = (): number => (child.pid === undefined ? 0 : firstChild(child.pid));
  return {
    console: () => out,
    waitFor: async (re, boundMs) => {
      const until = Date.now() + boundMs;
      while (!re.test(out)) {
        if (Date.now() > until || child.exitCode !== null) return re.test(out);
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    inside: (command) => {
      const r = spawnSync(
        'nsenter',
        [
          '--target',
          String(pid()),
          '--net',
          '--uts',
          '--pid',
          '--mount',
          // The chroot inside the mount namespace: there the root has /init's mounts (proc, dev).
          'chroot',
          root,
          '/bin/sh',
          '-c',
          command,
        ],
        { encoding: 'utf8', env: { PATH: '/usr/sbin:/sbin:/bin:/usr/bin' } },
      );
      return r.stdout + r.stderr;
    },
    pid,
    // unshare --kill-child passes the kill on to /init (PID 1 of the namespace), which takes the rest with it.
    stop: () => void child.kill('SIGKILL'),
  };
}
