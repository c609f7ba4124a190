import test from 'ava';
import { formatEvent, formatEventJson, rateMBps } from '../../src/serve/transfer-log.js';

test('a finished TFTP transfer names client, file, size, duration, rate and tuning', (t) => {
  t.is(
    formatEvent({
      protocol: 'tftp',
      client: '10.0.0.5:2070',
      file: 'pxelinux.0',
      ok: true,
      bytes: 2 * 1024 * 1024,
      durationMs: 500,
      blksize: 1468,
      windowsize: 16,
      retransmits: 0,
    }),
    'tftp 10.0.0.5:2070 "pxelinux.0" 2.0 MiB in 0.50 s (4.2 MB/s) blksize 1468 window 16',
  );
});

test('a refusal names the ERROR code', (t) => {
  t.is(
    formatEvent({
      protocol: 'tftp',
      client: '10.0.0.5:2070',
      file: '../x',
      ok: false,
      bytes: 0,
      durationMs: 0,
      code: 2,
      error: 'leaves the root',
    }),
    'tftp 10.0.0.5:2070 "../x" refused: ERROR 2 leaves the root',
  );
});

test('an HTTP request and a failed TFTP transfer', (t) => {
  t.is(
    formatEvent({
      protocol: 'http',
      client: 'c:1',
      file: '/a',
      ok: true,
      status: 206,
      bytes: 100,
      durationMs: 1,
    }),
    'http c:1 "/a" 100 B in 0.00 s (0.1 MB/s) 206',
  );
  t.regex(
    formatEvent({
      protocol: 'tftp',
      client: 'c:1',
      file: 'a',
      ok: false,
      bytes: 0,
      durationMs: 1,
      error: 'timed out',
    }),
    /FAILED: timed out$/,
  );
});

test('JSON lines carry the event, a timestamp and the rate', (t) => {
  const line = formatEventJson(
    {
      protocol: 'http',
      client: 'c:1',
      file: '/a',
      ok: true,
      status: 200,
      bytes: 2_000_000,
      durationMs: 1000,
    },
    new Date(0),
  );
  t.deepEqual(JSON.parse(line), {
    time: '1970-01-01T00:00:00.000Z',
    protocol: 'http',
    client: 'c:1',
    file: '/a',
    ok: true,
    status: 200,
    bytes: 2_000_000,
    durationMs: 1000,
    rateMBps: 2,
  });
  t.is(rateMBps(5, 0), 0);
});
