import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  DAEMONS,
  pidCommand,
  runningDaemons,
  serviceFilePath,
  startCommand,
  stopCommand,
} from '../../src/runtime/daemons.js';
import { serviceFiles } from '../../src/runtime/service-view.js';
import { resolveDirector } from '../../src/director/resolve.js';
import { loadSpec } from '../../src/spec/load.js';
import { ROOT } from '../_helpers/cli.js';

const PHASES = ['network', 'table', 'ready'];

test('the daemon table: unique names and service files, in start order', (t) => {
  t.is(new Set(DAEMONS.map((d) => d.name)).size, DAEMONS.length);
  t.is(new Set(DAEMONS.map(serviceFilePath)).size, DAEMONS.length);
  const starts = DAEMONS.map((d) => [PHASES.indexOf(d.phase), d.order]);
  t.deepEqual(
    starts,
    [...starts].sort((a, b) => (a[0]! - b[0]!) * 1000 + (a[1]! - b[1]!)),
    'DAEMONS lists the rows in the order /init starts them',
  );
});

test('a daemon that logs through /dev/log starts after syslogd, and runs only where syslogd runs', async (t) => {
  const syslogd = DAEMONS.find((d) => d.readySocket === '/dev/log');
  t.is(syslogd?.name, 'syslogd');
  for (const d of DAEMONS.filter((x) => x.needsLog))
    t.true(DAEMONS.indexOf(d) > DAEMONS.indexOf(syslogd!), `${d.name} starts after syslogd`);
  const specs = readdirSync(path.join(ROOT, 'images')).filter((f) => /\.ya?ml$/.test(f));
  t.true(specs.length > 3);
  for (const file of specs) {
    const { spec } = await loadSpec(path.join(ROOT, 'images', file));
    for (const director of spec.directors) {
      const names = runningDaemons(resolveDirector(spec, director)).map((d) => d.name);
      for (const d of DAEMONS.filter((x) => x.needsLog && names.includes(x.name)))
        t.true(names.includes('syslogd'), `${file} ${director.hostname}: ${d.name} without syslogd`);
    }
  }
});

test('checked-example runs every daemon; its service files say what /init starts, in order', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/checked-example.yaml'));
  const files = serviceFiles(resolveDirector(spec, spec.directors[0]!));
  t.deepEqual(
    files.map((f) => [f.path, f.view.phase, f.view.argv]),
    [
      ['/etc/lvs/services/05-watchdog', 'network', 'watchdog -F -T 60 -t 10 /dev/watchdog'],
      ['/etc/lvs/services/10-syslogd', 'network', 'syslogd -n -C64 -R 192.168.31.250:514 -L'],
      ['/etc/lvs/services/20-klogd', 'network', 'klogd -n'],
      ['/etc/lvs/services/30-ntpd', 'network', 'ntpd -n -S /etc/ntpd-event -p 192.168.31.250'],
      [
        '/etc/lvs/services/40-dropbear',
        'network',
        'dropbear -F -r /etc/dropbear/dropbear_ed25519_host_key -p 192.168.31.11:22 -P /run/dropbear.pid',
      ],
      [
        '/etc/lvs/services/50-keepalived',
        'table',
        'keepalived --dont-fork --log-console -f /etc/keepalived/keepalived.conf',
      ],
      ['/etc/lvs/services/60-httpd', 'ready', 'httpd -f -p 192.168.31.11:9100 -h /www'],
    ],
  );
  t.deepEqual(files[2]?.view.logHost, {
    host: '192.168.31.250',
    announce: 'lv4 booting; remote syslog to 192.168.31.250:514',
  });
  t.is(files[1]?.view.readySocket, '/dev/log');
  t.deepEqual(files[4]?.view.mounts, ['devpts']);
  // Only the watchdog feeder waits for a device (started where /dev/watchdog exists).
  t.deepEqual(
    files.filter((f) => f.view.device !== null).map((f) => [f.view.name, f.view.device]),
    [['watchdog', '/dev/watchdog']],
  );
});

test('a pair member runs keepalived with --dont-release-ipvs; a lone rules-mode director runs only the watchdog feeder', async (t) => {
  const ha = await loadSpec(path.join(ROOT, 'images/dsas-ha.yaml'));
  const keepalived = runningDaemons(resolveDirector(ha.spec, ha.spec.directors[0]!)).find(
    (d) => d.name === 'keepalived',
  );
  t.true(keepalived?.argv(resolveDirector(ha.spec, ha.spec.directors[0]!)).includes('--dont-release-ipvs'));
  const lv1 = await loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml'));
  t.deepEqual(
    runningDaemons(resolveDirector(lv1.spec, lv1.spec.directors[0]!)).map((d) => d.name),
    ['watchdog'],
  );
});

test("hardware.watchdog sets the feeder's timing; false runs no feeder and renders no service file", async (t) => {
  const lv1 = await loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml'));
  const argv = (hardware: object): string[][] => {
    const spec = { ...lv1.spec, hardware: { ...lv1.spec.hardware, ...hardware } };
    const model = resolveDirector(spec, spec.directors[0]!);
    return runningDaemons(model).map((d) => d.argv(model));
  };
  t.deepEqual(argv({}), [['watchdog', '-F', '-T', '60', '-t', '10', '/dev/watchdog']], 'the defaults');
  t.deepEqual(argv({ watchdog: { timeout: 120, interval: 20 } }), [
    ['watchdog', '-F', '-T', '120', '-t', '20', '/dev/watchdog'],
  ]);
  t.deepEqual(argv({ watchdog: false }), []);
  const spec = { ...lv1.spec, hardware: { watchdog: false as const } };
  t.deepEqual(
    serviceFiles(resolveDirector(spec, spec.directors[0]!)).map((f) => f.path),
    [],
  );
});

test('pid, stop and start commands for the console', (t) => {
  t.is(pidCommand('keepalived'), 'cat /run/keepalived.pid');
  t.is(pidCommand('ntpd'), 'pidof ntpd');
  t.is(stopCommand('keepalived'), 'touch /run/keepalived.down; kill $(cat /run/keepalived.pid)');
  t.is(startCommand('keepalived'), 'rm -f /run/keepalived.down');
});
