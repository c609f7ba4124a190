import test from 'ava';
import { CommandError } from '../../src/lib/errors.js';
import { formatCommand, run, runFilter, shellQuote } from '../../src/lib/exec.js';

test('shellQuote leaves plain words alone and quotes the rest', (t) => {
  t.is(shellQuote('make'), 'make');
  t.is(shellQuote('-j2'), '-j2');
  t.is(shellQuote('a b'), `'a b'`);
  t.is(shellQuote(`it's`), `'it'\\''s'`);
  t.is(formatCommand('make', ['-C', '/tmp/x y'], { ARCH: 'x86' }), `ARCH=x86 make -C '/tmp/x y'`);
});

test('a failed command throws CommandError with the command line, status and output tail', async (t) => {
  const err = await t.throwsAsync(run('sh', ['-c', 'echo out; echo err >&2; exit 3']), {
    instanceOf: CommandError,
  });
  t.is(err.exitCode, 3);
  t.is(err.command, `sh -c 'echo out; echo err >&2; exit 3'`);
  t.regex(err.message, /exited with status 3/);
  t.regex(err.stderrTail, /out\nerr/);
});

test('a missing program says so', async (t) => {
  const err = await t.throwsAsync(run('lvs-image-no-such-tool', []), { instanceOf: CommandError });
  t.regex(err.stderrTail, /lvs-image-no-such-tool: not found on PATH/);
});

test('reject: false returns the exit status instead of throwing', async (t) => {
  const r = await run('sh', ['-c', 'echo hi; exit 4'], { reject: false });
  t.is(r.exitCode, 4);
  t.is(r.stdout, 'hi\n');
});

test('runFilter returns the bytes and throws CommandError with stderr on failure', async (t) => {
  // A plain async generator, as the initramfs packer passes (execa treats a Node stream differently).
  async function* input(): AsyncGenerator<Uint8Array> {
    yield await Promise.resolve(Buffer.from([0, 1, 2, 255]));
  }
  t.deepEqual(await runFilter('cat', [], input()), Buffer.from([0, 1, 2, 255]));
  const err = await t.throwsAsync(runFilter('sh', ['-c', 'cat >/dev/null; echo bad >&2; exit 2'], input()), {
    instanceOf: CommandError,
  });
  t.is(err.exitCode, 2);
  t.regex(err.stderrTail, /bad/);
});
