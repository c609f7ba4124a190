import test from 'ava';
import { readFileSync } from 'node:fs';
import { GuestConsole, extractMarked, markedCommand, normalizeConsoleText } from '../../src/lib/console.js';
import { BuildError } from '../../src/lib/errors.js';

const RECORDED = readFileSync(
  new URL('../fixtures/boot-test/console-lv1-direct.txt', import.meta.url),
  'utf8',
);

test('normalizeConsoleText drops carriage returns and the cursor-position query of busybox ash', (t) => {
  t.is(normalizeConsoleText('/ # \x1b[6necho hi\r\nhi\r\n'), '/ # echo hi\nhi\n');
});

test('the typed marker line never contains a marker line itself (the echo cannot match)', (t) => {
  const line = markedCommand(4, 'ipvsadm -Sn');
  t.false(line.includes('__LVS_BEGIN_4__'));
  t.is(extractMarked(line + '\n', 4), undefined);
});

test("extractMarked leaves out the lines a supervised daemon tags, not the command's own", (t) => {
  const text =
    '__LVS_BEGIN_3__\n-A -t 10.10.31.100:80 -s lc\n[keepalived] Mon Nov 30 22:04:48 2026: Startup complete\n' +
    '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 0\n[not a tag]\n__LVS_END_3__ 0\n';
  t.deepEqual(extractMarked(text, 3), {
    output: '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 0\n[not a tag]\n',
    status: 0,
  });
});

test('extractMarked cuts the output of each command out of a recorded console', (t) => {
  const text = normalizeConsoleText(RECORDED);
  t.deepEqual(extractMarked(text, 2), {
    output:
      '-A -t 10.10.31.100:80 -s lc\n-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
    status: 0,
  });
  // Command 4's echo was wrapped by the line editor; its output is still found.
  t.deepEqual(extractMarked(text, 4), { output: 'IP Virtual Server version 1.2.1 (size=4096)\n', status: 0 });
  t.deepEqual(extractMarked(text, 7), { output: '', status: 1 });
  t.is(extractMarked(text, 8), undefined);
});

test('GuestConsole.run types a marked command and resolves when its output arrives in pieces', async (t) => {
  const typed: string[] = [];
  const con = new GuestConsole((d) => typed.push(d), 'lv1');
  const pending = con.run('cat /proc/sys/net/ipv4/ip_forward', 1000);
  t.deepEqual(typed, [markedCommand(1, 'cat /proc/sys/net/ipv4/ip_forward') + '\n']);
  con.feed('/ # echo "__LVS_""BEGIN_1__"; cat ...\r\n__LVS_BEG');
  con.feed('IN_1__\r\n1\r\n__LVS_END_1__ 0\r\n/ # ');
  t.deepEqual(await pending, { output: '1\n', status: 0 });
});

test('GuestConsole.waitFor rejects after its bound with the console tail and the log file', async (t) => {
  const con = new GuestConsole(() => undefined, 'lv1', '/tmp/lv1.log');
  con.feed('Booting the kernel\r\nKernel panic - not syncing: no init found\r\n');
  const err = await t.throwsAsync(con.waitFor(/^lvs-image: ready/m, 20, 'the ready line'), {
    instanceOf: BuildError,
  });
  t.regex(err?.message ?? '', /timed out after 0.02 s waiting for the ready line/);
  t.regex(err?.message ?? '', /Kernel panic - not syncing/);
  t.is(err?.logFile, '/tmp/lv1.log');
});

test('GuestConsole fails pending and later waits at once when the guest ends', async (t) => {
  const con = new GuestConsole(() => undefined, 'lv1');
  const pending = con.waitFor(/never/, 60_000);
  con.end('QEMU exited with status 0');
  await t.throwsAsync(pending, { message: /the guest stopped \(QEMU exited with status 0\)/ });
  await t.throwsAsync(con.waitFor(/never/, 60_000), { message: /stopped .* before/ });
});

test("QEMU's own messages stay out of the console text and show in errors", async (t) => {
  const con = new GuestConsole(() => undefined, 'lv1');
  con.feed('lvs-image: ready lv1 serv');
  con.feedDiagnostics('qemu-system-x86_64: warning: something\n');
  con.feed('ices=1 realservers=2\r\n');
  t.regex(con.text, /^lvs-image: ready lv1 services=1 realservers=2$/m);
  con.end('QEMU exited with status 1');
  await t.throwsAsync(con.waitFor(/never/, 1000), {
    message: /--- QEMU said ---\nqemu-system-x86_64: warning/,
  });
});

test('waitForLine resolves only once the line has its newline (typing earlier would land on that line)', async (t) => {
  const con = new GuestConsole(() => undefined, 'lv1');
  let matched = false;
  const pending = con.waitForLine(/^lvs-image: ready .*$/m, 1000).then((m) => {
    matched = true;
    return m[0];
  });
  con.feed('lvs-image: ready lv1 services=1 realservers=2');
  await new Promise((r) => setTimeout(r, 20));
  t.false(matched);
  // waitFor, for prompts, takes the same text at once.
  t.is(
    (await con.waitFor(/^lvs-image: ready .*$/m, 1000))[0],
    'lvs-image: ready lv1 services=1 realservers=2',
  );
  con.feed('\r\n/ # ');
  t.is(await pending, 'lvs-image: ready lv1 services=1 realservers=2');
});

test('a command status counts once its end-marker line is complete', (t) => {
  t.is(extractMarked('__LVS_BEGIN_3__\nsh: x: not found\n__LVS_END_3__ 1', 3), undefined);
  t.deepEqual(extractMarked('__LVS_BEGIN_3__\nsh: x: not found\n__LVS_END_3__ 127\n', 3), {
    output: 'sh: x: not found\n',
    status: 127,
  });
});
