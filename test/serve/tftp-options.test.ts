import test from 'ava';
import { negotiateOptions } from '../../src/serve/tftp-options.js';

const opts = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

const accepted: [
  string,
  Record<string, string>,
  { blksize: number; windowsize: number; timeoutMs?: number; oack: Record<string, string> },
][] = [
  ['no options: plain RFC 1350, no OACK', {}, { blksize: 512, windowsize: 1, oack: {} }],
  [
    'blksize 1468 and tsize',
    { blksize: '1468', tsize: '0' },
    { blksize: 1468, windowsize: 1, oack: { blksize: '1468', tsize: '1000' } },
  ],
  [
    'blksize above the limit is clamped',
    { blksize: '65464' },
    { blksize: 9000, windowsize: 1, oack: { blksize: '9000' } },
  ],
  [
    'windowsize above the limit is clamped',
    { windowsize: '500' },
    { blksize: 512, windowsize: 64, oack: { windowsize: '64' } },
  ],
  [
    'timeout in seconds',
    { timeout: '3' },
    { blksize: 512, windowsize: 1, timeoutMs: 3000, oack: { timeout: '3' } },
  ],
  [
    'unknown options are left out of the OACK',
    { multicast: '', blksize: '8' },
    { blksize: 8, windowsize: 1, oack: { blksize: '8' } },
  ],
  [
    'tsize with a client guess still answers the real size',
    { tsize: '5' },
    { blksize: 512, windowsize: 1, oack: { tsize: '1000' } },
  ],
];
for (const [title, req, want] of accepted) {
  test(`accepts: ${title}`, (t) => {
    const n = negotiateOptions(opts(req), 1000, { maxBlksize: 9000, maxWindowsize: 64 });
    if (!n.ok) return t.fail(n.message);
    t.is(n.params.blksize, want.blksize);
    t.is(n.params.windowsize, want.windowsize);
    t.is(n.params.timeoutMs, want.timeoutMs);
    t.deepEqual(Object.fromEntries(n.params.oack), want.oack);
  });
}

const refused: [string, Record<string, string>, RegExp][] = [
  ['blksize below 8', { blksize: '7' }, /blksize "7"/],
  ['blksize above 65464', { blksize: '65465' }, /8\.\.65464/],
  ['blksize not a number', { blksize: 'big' }, /blksize "big"/],
  ['windowsize 0', { windowsize: '0' }, /windowsize "0"/],
  ['timeout 0', { timeout: '0' }, /timeout "0"/],
  ['timeout 256', { timeout: '256' }, /1\.\.255/],
  ['tsize not a number', { tsize: '-1' }, /tsize "-1"/],
];
for (const [title, req, message] of refused) {
  test(`refuses (ERROR 8): ${title}`, (t) => {
    const n = negotiateOptions(opts(req), 1000);
    t.false(n.ok);
    if (!n.ok) t.regex(n.message, message);
  });
}
