/**
 * Every path of the fixed /init, run for real over the rendered files of the reference specs (test/_helpers/
 * init-root.ts: busybox in a chroot inside fresh namespaces). Real there: /init and its boot steps, busybox's
 * syslogd, logger, httpd, ip, and the log host's ARP answer. Stand-ins, because the host cannot run the real one
 * there: ipvsadm and keepalived (the host has no IPVS; keepalived's stand-in restores one service per
 * `virtual_server` of its rendered config through the ipvsadm stand-in, and prints keepalived's MASTER line per
 * `vrrp_instance`), dropbear and ntpd (not in the host's busybox), klogd (the real one would drain the host's
 * /proc/kmsg). Each stand-in prints its argv, so the tests see the command line the service file gave it.
 */
import type { ExecutionContext } from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  daemonTag,
  findFailures,
  masterLine,
  parseReadyLine,
  READY_START,
  restartLine,
  stoppedLine,
} from '../../src/runtime/console-contract.js';
import { resolveDirector } from '../../src/director/resolve.js';
import { pidCommand, startCommand, stopCommand } from '../../src/runtime/daemons.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { ROOT } from '../_helpers/cli.js';
import { bootInit, fakeDaemon, farHost, makeInitRoot, type BootedInit } from '../_helpers/init-root.js';
import { integrationTest } from '../_helpers/integration.js';

const NEEDS = ['root', 'unshare', 'nsenter', 'ip', 'busybox', 'chroot'];
const LOG_HOST = '192.168.31.250';
/** The log host's receiver (busybox nc has no UDP listen mode here): one line per datagram into argv[2]. */
const RECEIVER = [
  "const fs = require('fs');",
  'const file = process.argv[2];',
  "fs.writeFileSync(file, '');",
  "require('dgram').createSocket('udp4')",
  "  .on('message', (m) => fs.appendFileSync(file, `${m}\\n`))",
  `  .bind(514, '${LOG_HOST}');`,
  '',
].join('\n');

const FAKE_KEEPALIVED = fakeDaemon('keepalived', {
  pidFile: '/run/keepalived.pid',
  then: [
    // Like keepalived: the table comes a moment after the start (so /init has to wait for it).
    'conf=/etc/keepalived/keepalived.conf',
    'sleep 1',
    'ipvsadm -C',
    `sed -n 's/^virtual_server \\([0-9.]*\\) \\([0-9]*\\) {$/-A -t \\1:\\2 -s lc/p' "$conf" | ipvsadm -R`,
    `for i in $(sed -n 's/^vrrp_instance \\([^ ]*\\) {$/\\1/p' "$conf"); do echo "Keepalived_vrrp[7]: ($i) Entering MASTER STATE"; done`,
  ].join('\n'),
});
const FAKES = {
  keepalived: FAKE_KEEPALIVED,
  dropbear: fakeDaemon('dropbear', { pidFile: '/run/dropbear.pid' }),
  ntpd: fakeDaemon('ntpd'),
  // klogd starts after the log host's ARP answer: it prints what the neighbour table says at its start.
  klogd: fakeDaemon('klogd', { then: `echo "neighbour at start: $(ip neigh show ${LOG_HOST})"` }),
};

async function spec(name: string): Promise<Spec> {
  return (await loadSpec(path.join(ROOT, 'images', name))).spec;
}

/** The director's NICs with each kernel name given another interface's MAC, so /init must rename them by MAC. */
function swappedNics(s: Spec, hostname: string): { name: string; mac: string }[] {
  const ifaces = s.directors.find((d) => d.hostname === hostname)?.interfaces ?? [];
  return ifaces.map((ifc, i) => ({ name: ifc.name, mac: ifaces[ifaces.length - 1 - i]?.mac ?? '' }));
}

/**
 * Shell (run in the director's network namespace before /init) for a log host at LOG_HOST behind the peer of the
 * director's `inside` NIC: its own network namespace, its link up `delayS` after the start (so /init waits for that
 * NIC's carrier), and a UDP receiver on port 514 writing what it gets to <root>/.loghost. `delayS` null: the link
 * is up at once but the host has no address, so it never answers ARP.
 */
function logHostSetup(
  root: string,
  nics: { name: string; mac: string }[],
  insideMac: string,
  delayS: number | null,
): string {
  const peer = `p${nics.findIndex((n) => n.mac === insideMac)}`;
  writeFileSync(path.join(root, '.receiver.cjs'), RECEIVER);
  return [
    farHost(root, peer),
    ...(delayS === null
      ? []
      : [
          `nsenter --net=$ns ip addr add ${LOG_HOST}/24 dev ${peer}`,
          `nsenter --net=$ns ${process.execPath} ${root}/.receiver.cjs ${root}/.loghost &`,
        ]),
    `(sleep ${delayS ?? 0}; nsenter --net=$ns ip link set ${peer} up) &`,
  ].join('\n');
}

/** Boots, waits for the ready line (60 s at most), runs `body`, and always tears down. */
async function withInit(
  t: ExecutionContext,
  s: Spec,
  hostname: string,
  body: (init: BootedInit, root: string) => Promise<void> | void,
  setup?: (root: string, nics: { name: string; mac: string }[]) => string,
  devices: readonly string[] = [],
): Promise<void> {
  const root = makeInitRoot(s, hostname, FAKES);
  const nics = swappedNics(s, hostname);
  const init = bootInit(root, nics, setup?.(root, nics) ?? '', devices);
  try {
    const ready = await init.waitFor(READY_START, 60_000);
    t.log(init.console());
    t.true(ready, 'no ready line within 60 s');
    await body(init, root);
  } finally {
    init.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** A keepalived-mode boot: no failed step, ready with keepalived's services, keepalived started with `argv`. */
function checkKeepalivedBoot(t: ExecutionContext, out: string, hostname: string, argv: string): void {
  t.deepEqual(findFailures(out), []);
  t.deepEqual(parseReadyLine(out), { hostname, mode: 'keepalived', services: 1, realServers: 0 });
  t.true(out.includes(`[keepalived] fake keepalived started: ${argv}\n`), argv);
  // The ready line comes once the table is there.
  t.true(out.indexOf('lvs-image: ready') > out.indexOf('[keepalived] fake keepalived started'));
}

integrationTest(
  'keepalived mode: /init starts keepalived after netfilter and sysctls, waits for its table, then gets ready',
  NEEDS,
  async (t) => {
    await withInit(t, await spec('checked-example.yaml'), 'lv4', (init) => {
      checkKeepalivedBoot(
        t,
        init.console(),
        'lv4',
        '--dont-fork --log-console -f /etc/keepalived/keepalived.conf',
      );
      // No watchdog device here: its feeder is not started, and the console says why.
      t.regex(init.console(), /^lvs-image: watchdog not started: no \/dev\/watchdog on this machine$/m);
      // keepalived owns the table: the one its stand-in restored from the rendered config.
      t.is(init.inside('cat /run/ipvs'), '-A -t 10.10.31.100:80 -s lc\n');
      t.is(init.inside('cat /proc/sys/net/ipv4/ip_forward').trim(), '1');
    });
  },
);

integrationTest(
  'a pair member: keepalived keeps the table on stop (--dont-release-ipvs) and its MASTER lines are the contract',
  NEEDS,
  async (t) => {
    await withInit(t, await spec('dsas-ha.yaml'), 'lv1', (init) => {
      const out = init.console();
      const argv = '--dont-fork --log-console --dont-release-ipvs -f /etc/keepalived/keepalived.conf';
      checkKeepalivedBoot(t, out, 'lv1', argv);
      t.regex(out, masterLine('dsas_eth0'));
      t.regex(out, masterLine('dsas_eth1'));
      t.is(out.match(masterLine('dsas_eth0', 'g'))?.length, 1);
      // The pair's floating addresses are keepalived's: /init adds only the own addresses.
      t.notRegex(init.inside('ip -4 addr show dev eth0'), /10\.10\.31\.100/);
    });
  },
);

integrationTest(
  'every daemon of checked-example is supervised: kill -9 restarts it, stopCommand stops it for good, startCommand brings it back',
  NEEDS,
  async (t) => {
    const s = await spec('checked-example.yaml');
    // The watchdog feeder is busybox's own, on a stand-in /dev/watchdog (a FIFO whose bytes the test reads).
    const wd = (root: string): string => readFileSync(path.join(root, '.dev-watchdog'), 'latin1');
    const names = resolveDirector(s, s.directors[0]!).daemons;
    t.deepEqual(names, ['watchdog', 'syslogd', 'klogd', 'ntpd', 'dropbear', 'keepalived', 'httpd']);
    const body = async (init: BootedInit, root: string): Promise<void> => {
      // The daemon's pid by the table's probe, if that process exists (a pid file can outlive its daemon).
      const pidOf = (name: (typeof names)[number]): string =>
        init
          .inside(`p=$(${pidCommand(name)} 2>/dev/null); [ -n "$p" ] && [ -d "/proc/$p" ] && echo "$p"`)
          .trim();
      const newPid = async (name: (typeof names)[number], old: string): Promise<string> => {
        for (let i = 0; i < 100; i++) {
          const p = pidOf(name);
          if (/^\d+$/.test(p) && p !== old) return p;
          await new Promise((r) => setTimeout(r, 100));
        }
        return '';
      };
      // The daemons are checked side by side (each waits 2.5 s stopped; one after another took 35 s).
      const check = async (name: (typeof names)[number]): Promise<void> => {
        const first = await newPid(name, '');
        t.regex(first, /^\d+$/, `${name} runs`);
        init.inside(`kill -9 ${first}`);
        t.true(
          await init.waitFor(new RegExp(`^${restartLine(name, 1)}$`, 'm'), 10_000),
          `${name}: restart line`,
        );
        const second = await newPid(name, first);
        t.regex(second, /^\d+$/, `${name} is back after kill -9`);
        init.inside(stopCommand(name));
        t.true(
          await init.waitFor(new RegExp(`^${stoppedLine(name).replace(/[.]/g, '\\.')}$`, 'm'), 10_000),
          `${name}: stopped line`,
        );
        await new Promise((r) => setTimeout(r, 2500));
        t.is(pidOf(name), '', `${name} stays stopped while /run/${name}.down exists`);
        init.inside(startCommand(name));
        t.regex(await newPid(name, second), /^\d+$/, `${name} starts again once the down file is gone`);
      };
      await Promise.all(names.map(check));
      t.deepEqual(findFailures(init.console()), []);
      // The feeder wrote a byte at each start (three: first, after the kill -9, after startCommand), and the
      // magic close `V` once, when stopCommand's TERM disarmed the device; the kill -9 left it armed.
      const fed = wd(root);
      t.is(fed.replace(/\0/g, ''), 'V', JSON.stringify(fed));
      t.true(fed.split('\0').length - 1 >= 3, JSON.stringify(fed));
      t.regex(fed, /^\0+V\0+$/);
      // Each daemon's own lines carry its tag.
      for (const name of ['keepalived', 'dropbear', 'ntpd', 'klogd'])
        t.true(init.console().includes(`${daemonTag(name)}fake ${name} started`), name);
    };
    await withInit(t, s, 'lv4', body, undefined, ['watchdog']);
  },
);

/** checked-example's lv4 booted with a log host behind its inside NIC whose link comes up `delayS` late (or never). */
async function withLogHost(
  t: ExecutionContext,
  delayS: number | null,
  body: (init: BootedInit, root: string) => Promise<void> | void,
): Promise<void> {
  const s = await spec('checked-example.yaml');
  const inside = s.directors[0]?.interfaces.find((i) => i.role === 'inside')?.mac ?? '';
  await withInit(t, s, 'lv4', body, (root, nics) => logHostSetup(root, nics, inside, delayS));
}

integrationTest(
  'syslog: syslogd first, one logger line to the log host, klogd only once the log host answered ARP',
  NEEDS,
  async (t) => {
    await withLogHost(t, 0.5, async (init, root) => {
      const out = init.console();
      t.deepEqual(findFailures(out), []);
      t.notRegex(out, /no ARP answer/);
      t.regex(
        out,
        new RegExp(
          `^\\[klogd\\] neighbour at start: ${LOG_HOST.replace(/\./g, '\\.')} dev eth1 lladdr `,
          'm',
        ),
      );
      t.true(
        init.inside('ls -l /dev/log').startsWith('s'),
        'syslogd made /dev/log before the daemons after it',
      );
      let received = '';
      for (let i = 0; i < 50 && !received.includes('booting'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        received = readFileSync(path.join(root, '.loghost'), 'utf8');
      }
      t.regex(received, /lvs-image: lv4 booting; remote syslog to 192\.168\.31\.250:514/);
    });
  },
);

integrationTest(
  'syslog: a log host that never answers ARP holds klogd back 2 s, said on the console',
  NEEDS,
  async (t) => {
    await withLogHost(t, null, (init) => {
      const out = init.console();
      t.regex(
        out,
        /^lvs-image: klogd: no ARP answer on the way to 192\.168\.31\.250 after 2 s; its first lines may not arrive$/m,
      );
      t.true(out.indexOf('no ARP answer') < out.indexOf('[klogd] fake klogd started'));
      t.regex(out, /^\[klogd\] neighbour at start: (?!.*lladdr)/m);
      t.deepEqual(findFailures(out), []);
    });
  },
);
