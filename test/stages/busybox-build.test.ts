/**
 * busybox from Debian's source package for the applets busybox-static lacks (ntpd): the plan, the applet table read
 * back, and the real build; then the built ntpd queries the lab's NTP server in a throw-away namespace.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { run } from '../../src/lib/exec.js';
import { createNetns, deleteNetns } from '../../src/lib/netns.js';
import {
  BUSYBOX,
  findBusyboxRelease,
  parseAppletTable,
  planBusyboxBuild,
} from '../../src/packages/busybox.js';
import { readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import { provideProgram } from '../../src/stages/program/provide.js';
import { startNtpServer } from '../../src/lab/ntp-server.js';
import { integrationTest } from '../_helpers/integration.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-busybox-build-'));
test.after.always(() => rm(work, { recursive: true, force: true }));
const logFile = path.join(work, 'build.log');
const io: StageIo = { run, log: () => undefined };

test('the plan: allnoconfig, the catalog options on (ash off), oldconfig, make busybox at the release date', (t) => {
  const plan = planBusyboxBuild(findBusyboxRelease('1.35.0'), 'static');
  t.deepEqual(
    plan.commands.map((c) => [c.file, c.args[0]]),
    [
      ['make', 'allnoconfig'],
      ['sh', '-c'],
      ['sh', '-c'],
      ['make', plan.commands[3]?.args[0]],
    ],
  );
  const set = plan.commands[1]?.args ?? [];
  t.deepEqual(set.slice(3), ['NTPD', 'SH_IS_NONE', 'STATIC', '-SH_IS_ASH']);
  t.is(plan.commands[3]?.env?.SOURCE_DATE_EPOCH, String(Date.parse('2021-12-26T00:00:00Z') / 1000));
  t.false(planBusyboxBuild(findBusyboxRelease('1.35.0'), 'dynamic').commands[1]?.args.includes('STATIC'));
});

test('parseAppletTable reads the names of a generated applet_tables.h', (t) => {
  const text =
    '#define NUM_APPLETS 2\n#define KNOWN_APPNAME_OFFSETS 0\n\nconst char applet_names[] ALIGN1 = ""\n"ntpd" "\\0"\n"sh" "\\0"\n;\n';
  t.deepEqual(parseAppletTable(text), ['ntpd', 'sh']);
  t.deepEqual(parseAppletTable('nothing'), []);
});

integrationTest(
  'busybox 1.35.0 static with ntpd only; the built ntpd takes the time of the lab NTP server',
  ['gcc', 'make', 'apt-get', 'strip', 'ip', 'root'],
  async (t) => {
    const bb = await provideProgram(BUSYBOX, { version: '1.35.0' }, io, { logFile });
    t.deepEqual(bb.applets, ['ntpd']);
    t.is(bb.sourceSha256, 'faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694');
    t.is(readElfLinkInfo(readFileSync(bb.binaries.busybox ?? ''))?.interpreter, undefined, 'static');
    t.false(readFileSync(bb.binaries.busybox ?? '').includes('(2026-'), 'no build time in the banner');

    // Run as `ntpd` (busybox picks the applet by argv[0]); -w only queries, -d prints each reply's offset.
    const ntpd = path.join(work, 'ntpd');
    await run('cp', [bb.binaries.busybox ?? '', ntpd]);
    const ns = `lvsbbtest${process.pid % 100000}`;
    await createNetns(ns, run);
    t.teardown(() => deleteNetns(ns, run));
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const server = await startNtpServer(ns, work);
    t.teardown(() => server.stop());
    // Ready when a request from Node itself is answered (a fresh namespace's loopback can drop the first packets).
    const probe = [
      "const s = require('node:dgram').createSocket('udp4');",
      'const q = Buffer.alloc(48); q[0] = (4 << 3) | 3;',
      "s.on('message', (m) => { console.log(m.length); process.exit(0); });",
      "setTimeout(() => process.exit(1), 1000); s.send(q, 123, '127.0.0.1');",
    ].join('\n');
    let ready = false;
    for (let i = 0; i < 10 && !ready; i++)
      ready =
        (
          await run('ip', ['netns', 'exec', ns, process.execPath, '-e', probe], {
            reject: false,
            timeoutMs: 10_000,
          })
        ).stdout.trim() === '48';
    t.true(ready, 'the NTP server answers a plain request');
    const r = await run('ip', ['netns', 'exec', ns, 'timeout', '8', ntpd, '-w', '-d', '-p', '127.0.0.1'], {
      reject: false,
      timeoutMs: 20_000,
    });
    const offsets = [...r.stderr.matchAll(/reply from 127\.0\.0\.1: offset:([+-][\d.]+) .*strat:1 /g)].map(
      (m) => Number(m[1]),
    );
    t.true(offsets.length >= 2, r.stderr);
    for (const o of offsets) t.true(Math.abs(o) < 0.5, `offset ${o} s against the host's own clock`);
  },
);
