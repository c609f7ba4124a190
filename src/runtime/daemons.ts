/**
 * Every daemon a director can run, described once: when it runs, how it starts, what it needs, how to find it and
 * how to stop it for good. Render writes one service file per running daemon from this table
 * (/etc/lvs/services/NN-name, read by the fixed /init), the director model its daemon list, boot-test its pid and
 * restart checks, and the lab its stop. Adding a daemon is one row here, plus its program in the programs table
 * (src/packages/*.ts: what it installs where) when it is not a busybox applet.
 */
import { InternalError } from '../lib/errors.js';
import type { DaemonName, DirectorModel } from '../director/types.js';

export type { DaemonName } from '../director/types.js';

/** What decides whether a director runs a daemon: who writes its table and which access it serves. */
export type DaemonFacts = Pick<DirectorModel, 'mode' | 'access' | 'watchdog'>;

/**
 * The fixed boot step after which a daemon starts: `network` once addresses and routes are up (before netfilter
 * and IPVS), `table` once netfilter and the sysctls are in (it writes the IPVS table itself), `ready` once the
 * table is counted, just before the ready line.
 */
export type BootPhase = 'network' | 'table' | 'ready';

/** How boot-test and the lab find a daemon's pid: the pid file it writes, or its process name (`pidof`). */
export type PidProbe = { file: string } | { name: string };

/** One row of the table. */
export interface Daemon {
  name: DaemonName;
  /** Start order among the daemons of a phase: the service file is /etc/lvs/services/<order>-<name>. */
  order: number;
  phase: BootPhase;
  /** One line for the service file's comment. */
  summary: string;
  /** Whether a director runs it (the model's `daemons` list is this table filtered by it). */
  when: (f: DaemonFacts) => boolean;
  /** Its command line, kept in the foreground (the supervisor restarts it when it exits). */
  argv: (m: DirectorModel) => string[];
  pid: PidProbe;
  /** A socket it creates, waited for (bounded) before the next step starts. */
  readySocket?: string;
  /** It logs through syslogd's /dev/log from its first line: it must start after syslogd (test/runtime checks). */
  needsLog: boolean;
  /** Filesystems mounted before it starts. */
  mounts?: 'devpts'[];
  /**
   * A device it needs, looked for when its phase comes: absent, the daemon is not started (and the console says so).
   * For hardware a director may or may not have, such as a watchdog.
   */
  device?: string;
  /**
   * Before it starts: one syslog line (whose datagram makes the kernel resolve the log host's next hop), then a
   * bounded wait for that next hop's ARP answer. klogd hands over the whole kernel ring at once; the kernel queues
   * datagrams to an unresolved neighbour only up to unres_qlen_bytes (about 140 of them) and drops the oldest.
   */
  logHost?: (m: DirectorModel) => { host: string; announce: string };
}

/** The remote log host as `host:port` (busybox syslogd -R) and its host. */
const remoteSyslog = (m: DirectorModel): { host: string; target: string } => {
  if (m.access.syslog === null) throw new InternalError('remote syslog without access.syslog');
  const { host, port } = m.access.syslog;
  return { host, target: `${host}:${port}` };
};

const hostPort = (a: { address: string; port: number }): string => `${a.address}:${a.port}`;

/** The watchdog device the feeder opens (the first one the kernel registered). */
const WATCHDOG_DEVICE = '/dev/watchdog';

/** The model's watchdog, which a director that runs the feeder has (`when` checks it). */
const watchdogOf = (m: DirectorModel): NonNullable<DirectorModel['watchdog']> => {
  if (m.watchdog === null) throw new InternalError('the watchdog feeder without hardware.watchdog');
  return m.watchdog;
};

/** The table, in start order. */
export const DAEMONS: readonly Daemon[] = [
  {
    name: 'watchdog',
    order: 5,
    phase: 'network',
    summary:
      'busybox watchdog: feeds the watchdog device every hardware.watchdog.interval s, so a hung director reboots hardware.watchdog.timeout s after the last feed (started only where the device exists; a TERM disarms it, a kill -9 leaves it armed until the supervisor reopens it)',
    // Whether the machine has a watchdog is known only there (hardware/platform.json's drivers): the device check.
    when: (f) => f.watchdog !== null,
    argv: (m) => [
      'watchdog',
      '-F',
      '-T',
      String(watchdogOf(m).timeoutS),
      '-t',
      String(watchdogOf(m).feedS),
      WATCHDOG_DEVICE,
    ],
    pid: { name: 'watchdog' },
    needsLog: false,
    device: WATCHDOG_DEVICE,
  },
  {
    name: 'syslogd',
    order: 10,
    phase: 'network',
    summary:
      'busybox syslogd: every line into the in-memory ring (`logread`), and to the remote log host with access.syslog',
    when: (f) => f.access.syslog !== null || f.access.localSyslog,
    argv: (m) =>
      m.access.syslog !== null
        ? ['syslogd', '-n', '-C64', '-R', remoteSyslog(m).target, '-L']
        : ['syslogd', '-n', '-C64'],
    pid: { name: 'syslogd' },
    readySocket: '/dev/log',
    needsLog: false,
  },
  {
    name: 'klogd',
    order: 20,
    phase: 'network',
    summary: "busybox klogd: the kernel's messages into syslog, from the first line of this boot",
    when: (f) => f.access.syslog !== null,
    argv: () => ['klogd', '-n'],
    pid: { name: 'klogd' },
    needsLog: true,
    logHost: (m) => ({
      host: remoteSyslog(m).host,
      announce: `${m.hostname} booting; remote syslog to ${remoteSyslog(m).target}`,
    }),
  },
  {
    name: 'ntpd',
    order: 30,
    phase: 'network',
    summary:
      'busybox ntpd: sets the clock from access.ntp and keeps it set (a client only); /etc/ntpd-event logs each step',
    when: (f) => f.access.ntp !== null,
    argv: (m) => [
      'ntpd',
      '-n',
      '-S',
      '/etc/ntpd-event',
      ...(m.access.ntp?.servers ?? []).flatMap((s) => ['-p', s]),
    ],
    pid: { name: 'ntpd' },
    needsLog: true,
  },
  {
    name: 'dropbear',
    order: 40,
    phase: 'network',
    summary:
      'dropbear: SSH on the access.ssh addresses only; root logs in with a key of /root/.ssh/authorized_keys (no passwords)',
    when: (f) => f.access.ssh !== null,
    argv: (m) => [
      'dropbear',
      '-F',
      '-r',
      m.access.ssh?.hostKey ?? '',
      ...(m.access.ssh?.listen ?? []).flatMap((l) => ['-p', hostPort(l)]),
      '-P',
      '/run/dropbear.pid',
    ],
    pid: { file: '/run/dropbear.pid' },
    needsLog: true,
    mounts: ['devpts'],
  },
  {
    name: 'keepalived',
    order: 50,
    phase: 'table',
    summary:
      'keepalived: writes the IPVS table from /etc/keepalived/keepalived.conf (health checks), and runs VRRP in a pair',
    when: (f) => f.mode === 'keepalived',
    // A pair member: --dont-release-ipvs, so a stop leaves the table in place. Since Linux 5.5, deleting the last
    // virtual service unhooks IPVS; keepalived's checker deletes them on stop while its VRRP side still holds the
    // VIPs, and in that window this director's own TCP stack resets every connection through it. Without the VIPs
    // the table forwards nothing; the next start flushes it.
    argv: (m) => [
      'keepalived',
      '--dont-fork',
      '--log-console',
      ...(m.pair !== null ? ['--dont-release-ipvs'] : []),
      '-f',
      '/etc/keepalived/keepalived.conf',
    ],
    pid: { file: '/run/keepalived.pid' },
    needsLog: true,
  },
  {
    name: 'httpd',
    order: 60,
    phase: 'ready',
    summary:
      'busybox httpd: the metrics on the inside address only, serving /www (cgi-bin/metrics answers GET/HEAD)',
    when: (f) => f.access.metrics !== null,
    argv: (m) => ['httpd', '-f', '-p', m.access.metrics ? hostPort(m.access.metrics) : '', '-h', '/www'],
    pid: { name: 'httpd' },
    needsLog: false,
  },
];

/** The daemons a director runs, in start order. Pure. */
export function runningDaemons(facts: DaemonFacts): Daemon[] {
  return DAEMONS.filter((d) => d.when(facts));
}

/** The row of `name`. */
export function daemon(name: DaemonName): Daemon {
  const found = DAEMONS.find((d) => d.name === name);
  if (found === undefined) throw new InternalError(`no daemon ${name} in DAEMONS`);
  return found;
}

/** The service file of a daemon in the image. */
export function serviceFilePath(d: Daemon): string {
  return `/etc/lvs/services/${String(d.order).padStart(2, '0')}-${d.name}`;
}

/** The down file of a daemon: while it exists the supervisor does not start it again. */
export function downFile(name: DaemonName): string {
  return `/run/${name}.down`;
}

/** A shell command (for the director's console) that prints the daemon's pid, or nothing when it does not run. */
export function pidCommand(name: DaemonName): string {
  const probe = daemon(name).pid;
  return 'file' in probe ? `cat ${probe.file}` : `pidof ${probe.name}`;
}

/** A shell command that stops a daemon for good: its down file, then a TERM (it may send its goodbyes). */
export function stopCommand(name: DaemonName): string {
  return `touch ${downFile(name)}; kill $(${pidCommand(name)})`;
}

/** A shell command that lets a stopped daemon start again (the supervisor starts it within a second). */
export function startCommand(name: DaemonName): string {
  return `rm -f ${downFile(name)}`;
}
