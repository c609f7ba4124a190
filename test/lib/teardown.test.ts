import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BuildError, InterruptedError, exitCodeFor } from '../../src/lib/errors.js';
import { withTeardown } from '../../src/lib/teardown.js';

const CHILD = fileURLToPath(new URL('../fixtures/teardown/child.ts', import.meta.url));

/** Runs the fixture, sends it `signals` (the first once it works, the rest 100 ms apart), returns its end. */
function interrupt(
  signals: NodeJS.Signals[],
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const child = spawn(process.execPath, ['--import=tsx', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    const first = out === '';
    out += d.toString();
    if (first) signals.forEach((s, i) => setTimeout(() => child.kill(s), 100 * i));
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    }),
  );
}

test('SIGINT: the cleanup runs, runs again after the failed work, and the process exits 130', async (t) => {
  const r = await interrupt(['SIGINT']);
  t.is(r.signal, null, r.out);
  t.is(r.code, 130, r.out);
  t.regex(r.out, /SIGINT: removing the fixture/);
  t.regex(r.out, /cleanup 1 start\ncleanup 1 end\n(?:.*\n)*cleanup 2 start\ncleanup 2 end\n/);
  t.regex(r.out, /threw InterruptedError: interrupted by SIGINT; the fixture removed/);
});

test('a second Ctrl-C during the cleanup does not kill the process half-way', async (t) => {
  const r = await interrupt(['SIGINT', 'SIGINT', 'SIGTERM']);
  t.is(r.signal, null, r.out);
  t.is(r.code, 130, r.out);
  t.regex(r.out, /SIGINT again: still removing the fixture, please wait/);
  t.regex(r.out, /SIGTERM again: still removing the fixture, please wait/);
  t.regex(r.out, /cleanup 1 end/);
});

test('SIGTERM exits 143', async (t) => {
  const r = await interrupt(['SIGTERM']);
  t.is(r.code, 143, r.out);
});

test('without a signal: the cleanup runs once, the result or the error passes through, no handler stays', async (t) => {
  const before = process.listenerCount('SIGINT');
  let cleaned = 0;
  const cleanup = (): Promise<void> => Promise.resolve(void cleaned++);
  t.is(await withTeardown(cleanup, 'x', () => Promise.resolve(42)), 42);
  await t.throwsAsync(
    withTeardown(cleanup, 'x', () => Promise.reject(new BuildError('boom'))),
    { instanceOf: BuildError, message: 'boom' },
  );
  t.is(cleaned, 2);
  t.is(process.listenerCount('SIGINT'), before);
});

test('interrupted errors exit 128 + the signal number', (t) => {
  t.is(exitCodeFor(new InterruptedError('SIGINT', 'x')), 130);
  t.is(exitCodeFor(new InterruptedError('SIGTERM', 'x')), 143);
});
