/** The lab's one way to start and stop a background process (by PID), and its helper programs. */
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { programPath, startDaemon, startProgram, type LabProgram } from '../../src/lab/daemon.js';
import { pollFor } from '../../src/lab/poll.js';
import { BuildError } from '../../src/lib/errors.js';
import { runInNetns } from '../../src/lib/netns.js';
import { integrationTest } from '../_helpers/integration.js';
import { makePeers } from '../_helpers/lab-peers.js';

const work = mkdtempSync(path.join(tmpdir(), 'lvs-lab-daemon-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/** The log's text so far ('' before the stream has created it). */
const logText = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** Whether a process with this PID exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts node running `script` as a daemon (stopped after the test) and waits until it printed `line`. */
async function nodeDaemon(t: ExecutionContext, name: string, script: string, line: string) {
  const log = path.join(work, `${name}.log`);
  const d = await startDaemon(process.execPath, ['-e', script], log);
  t.teardown(() => d.stop(100));
  // Up once it printed (node starts slowly on a loaded machine): a SIGTERM handler is in by then.
  t.truthy(await pollFor(() => logText(log).includes(`${line}\n`), { boundMs: 20_000, everyMs: 50 }));
  return { d, log };
}

test('a daemon logs its command and output, and stop() ends it by its PID', async (t) => {
  const { d, log } = await nodeDaemon(t, 'echo', 'console.log("up"); setInterval(() => {}, 1000)', 'up');
  t.true(alive(d.pid));
  await d.stop();
  await d.exited;
  t.false(alive(d.pid));
  const text = readFileSync(log, 'utf8');
  t.true(text.startsWith(`$ ${process.execPath} -e `));
  t.regex(text, /^up$/m);
  await d.stop(); // safe twice
});

test('a process that ignores SIGTERM is killed after the grace time', async (t) => {
  const script = 'process.on("SIGTERM", () => {}); console.log("stubborn"); setInterval(() => {}, 1000)';
  const { d } = await nodeDaemon(t, 'stubborn', script, 'stubborn');
  const t0 = Date.now();
  await d.stop(200);
  t.false(alive(d.pid));
  t.true(Date.now() - t0 >= 200, 'it waited out the grace time first');
});

test('a program that cannot start is a BuildError naming the command', async (t) => {
  await t.throwsAsync(startDaemon('/nonexistent/lvs-lab-tool', [], path.join(work, 'none.log')), {
    instanceOf: BuildError,
    message: /could not start \/nonexistent\/lvs-lab-tool/,
  });
});

test('every helper program is a real file next to the sources', (t) => {
  const names: LabProgram[] = ['syslog-receiver', 'tcp-scan', 'udp-probe', 'http-server', 'ntp-server'];
  for (const n of names) t.true(existsSync(programPath(n)), programPath(n));
});

integrationTest(
  'startProgram runs a program in a namespace and waits for its ready line',
  ['root', 'ip', 'curl'],
  async (t) => {
    const p = await makePeers(t, 'pg');
    const server = await startProgram({
      ns: p.peer,
      name: 'http-server',
      args: [p.peerAddress, '8080', 'hello lab'],
      logFile: path.join(p.workDir, 'http.log'),
      ready: 'listening on',
    });
    t.teardown(() => server.stop());
    const r = await runInNetns(p.client, 'curl', ['-s', `http://${p.peerAddress}:8080/`]);
    t.is(r.stdout, 'hello lab\n');
    // A ready line that never comes: stopped and reported.
    await t.throwsAsync(
      startProgram({
        ns: p.peer,
        name: 'tcp-scan',
        args: ['127.0.0.1', '1', '2'],
        logFile: path.join(p.workDir, 'scan.log'),
        ready: 'never printed',
      }),
      { instanceOf: BuildError, message: /did not print "never printed"/ },
    );
  },
);
