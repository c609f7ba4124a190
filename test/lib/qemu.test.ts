import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { guestCommand, startGuest } from '../../src/lib/qemu.js';
import { integrationTest } from '../_helpers/integration.js';
import { buildReferenceImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';

test('guestCommand runs QEMU directly, or through `ip netns exec` for the lab', (t) => {
  const opts = { consoleLog: '/tmp/x.log', direct: { kernel: 'k', initrd: 'i', append: 'a' }, nics: [] };
  t.is(guestCommand(opts)[0], 'qemu-system-x86_64');
  const [file, args] = guestCommand({ ...opts, netns: 'lvs-lab-1' });
  t.is(file, 'ip');
  t.deepEqual(args.slice(0, 4), ['netns', 'exec', 'lvs-lab-1', 'qemu-system-x86_64']);
});

integrationTest(
  'startGuest: boots, answers a command on the serial console, logs it, and stops by PID',
  ['qemu-system-x86_64', ...REFERENCE_NEEDS],
  async (t) => {
    // The real reference image: its site kernel boots in seconds (see the helper).
    const image = await buildReferenceImage();
    t.teardown(image.remove);
    const consoleLog = path.join(mkdtempSync(path.join(tmpdir(), 'lvs-qemu-')), 'console.log');
    const guest = await startGuest({
      name: 'lv1',
      consoleLog,
      direct: { kernel: image.kernel, initrd: image.initrd, append: `${image.cmdline} quiet panic=-1` },
      nics: image.macs.map((mac) => ({ backend: { kind: 'user' as const }, mac })),
    });
    try {
      await guest.console.waitForLine(/^lvs-image: ready/m, 180_000);
      t.deepEqual(await guest.console.run('echo $((6 * 7))', 30_000), { output: '42\n', status: 0 });
      // A pattern that never comes: the wait ends at its bound, the guest keeps running.
      await t.throwsAsync(guest.console.waitFor(/^never$/m, 200, 'a line that never comes'), {
        message: /timed out after 0.2 s/,
      });
    } finally {
      await guest.stop();
    }
    const exit = await guest.exited;
    t.true(exit.signal === 'SIGTERM' || exit.code !== null);
    t.throws(() => process.kill(guest.pid, 0), { code: 'ESRCH' });
    const log = readFileSync(consoleLog, 'utf8');
    t.regex(log, /^\$ qemu-system-x86_64 .*-accel tcg/);
    t.regex(log, /^42\r?$/m);
  },
);
