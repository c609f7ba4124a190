import test from 'ava';
import { countEvent, formatProgress } from '../../src/serve/progress.js';

test('the status line counts running, finished and failed requests and the bytes served', (t) => {
  let s = { active: 0, done: 0, failed: 0, bytes: 0 };
  s = countEvent(s, {
    protocol: 'tftp',
    client: 'c:1',
    file: 'a',
    ok: true,
    bytes: 3 * 1024 * 1024,
    durationMs: 10,
  });
  s = countEvent(s, {
    protocol: 'http',
    client: 'c:2',
    file: '/b',
    ok: false,
    status: 404,
    bytes: 0,
    durationMs: 1,
  });
  t.is(formatProgress({ ...s, active: 2 }), '[2 active, 1 done, 1 failed, 3.0 MiB served]');
});
