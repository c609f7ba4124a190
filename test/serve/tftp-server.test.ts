import test from 'ava';
import { createHash } from 'node:crypto';
import type dgram from 'node:dgram';
import { startTftpServer, type TftpEvent, type TftpServer } from '../../src/serve/tftp-server.js';
import { encodeAck, encodeRequest, parsePacket, type TftpPacket } from '../../src/serve/tftp-packet.js';
import { createUdpSocket } from '../../src/serve/udp.js';
import { eventSoon } from '../_helpers/events.js';
import { TftpRemoteError, tftpGet } from '../_helpers/tftp-client.js';
import { makeServeRoot, type ServeRoot } from '../_helpers/serve-root.js';

let root: ServeRoot;
let server: TftpServer;
const events: TftpEvent[] = [];

test.before(async () => {
  root = await makeServeRoot();
  server = await startTftpServer({
    root: root.root,
    address: '127.0.0.1',
    port: 0,
    onEvent: (e) => events.push(e),
  });
});
test.after.always(async () => {
  await server?.close();
  await root?.remove();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const transfers: [string, number | undefined, number | undefined][] = [
  ['small.bin', undefined, undefined],
  ['small.bin', 512, 1],
  ['big.bin', 1468, 1],
  ['big.bin', 8192, 1],
  ['big.bin', 1468, 16],
  ['big.bin', 8192, 16],
  ['big.bin', 65464, 4],
  ['exact.bin', 1468, 16],
  ['exact.bin', 1468, 1],
  ['empty.bin', 512, 1],
  ['pxelinux.cfg/01-52-54-00-12-34-56', undefined, undefined],
];
for (const [file, blksize, windowsize] of transfers) {
  test(`reads ${file} intact with blksize ${blksize ?? '-'} windowsize ${windowsize ?? '-'}`, async (t) => {
    const r = await tftpGet({
      port: server.port,
      file,
      ...(blksize ? { blksize } : {}),
      ...(windowsize ? { windowsize } : {}),
    });
    t.is(sha(r.data), root.sha256(file));
    if (blksize !== undefined) t.is(r.oack.get('tsize'), String(root.files[file]!.length));
  });
}

test('block numbers wrap past 65535 (blksize 8, 600 000 bytes = 75 001 blocks)', async (t) => {
  const r = await tftpGet({ port: server.port, file: 'wrap.bin', blksize: 8, windowsize: 64 });
  t.is(sha(r.data), root.sha256('wrap.bin'));
});

test('netascii converts LF to CR LF and CR to CR NUL, tsize counts the converted bytes', async (t) => {
  const r = await tftpGet({ port: server.port, file: 'text.txt', mode: 'netascii', blksize: 512 });
  t.is(r.data.toString('latin1'), 'line one\r\nline two\r\0\r\nbare\r\0cr\r\n');
  t.is(r.oack.get('tsize'), String(r.data.length));
});

test('a client that drops 20 % of DATA still gets the file (server resends on timeout)', async (t) => {
  const r = await tftpGet({
    port: server.port,
    file: 'small.bin',
    blksize: 1468,
    windowsize: 4,
    dropRate: 0.2,
    retryMs: 2000,
  });
  t.is(sha(r.data), root.sha256('small.bin'));
});

const refusals: [string, Parameters<typeof tftpGet>[0] extends infer O ? Partial<O> : never, number][] = [
  ['a missing file: 1', { file: 'nope.bin' }, 1],
  ['"../" traversal: 2', { file: '../outside/secret.txt' }, 2],
  ['"..\\" traversal: 2', { file: '..\\outside\\secret.txt' }, 2],
  ['a symlink pointing out: 2', { file: 'secret-link' }, 2],
  ['a path through a symlinked folder out: 2', { file: 'escape/secret.txt' }, 2],
  ['an URL-encoded traversal (no decoding in TFTP): 1', { file: '%2e%2e/outside/secret.txt' }, 1],
  ['a folder: 1', { file: 'pxelinux.cfg' }, 1],
  ['blksize 4: 8', { file: 'small.bin', blksize: 4 }, 8],
];
for (const [title, opts, code] of refusals) {
  test(`refuses ${title}`, async (t) => {
    const err = await t.throwsAsync(tftpGet({ port: server.port, file: 'x', ...opts }), {
      instanceOf: TftpRemoteError,
    });
    t.is(err?.code, code);
  });
}

test('an absolute path outside the root is looked up under the root (leading / stripped): 1', async (t) => {
  const err = await t.throwsAsync(tftpGet({ port: server.port, file: `${root.outside}/secret.txt` }), {
    instanceOf: TftpRemoteError,
  });
  t.is(err?.code, 1);
  const ok = await tftpGet({ port: server.port, file: '/small.bin' });
  t.is(sha(ok.data), root.sha256('small.bin'));
});

type Got = { p: TftpPacket; port: number }[];

/** Sends raw datagrams from one socket and collects replies until `until(replies)` holds (bounded by 10 s). */
async function exchange(
  packets: Buffer[],
  to: number,
  until: (got: Got) => boolean,
  react?: (p: TftpPacket, from: dgram.RemoteInfo, s: dgram.Socket) => void,
): Promise<Got> {
  const s = createUdpSocket();
  const got: Got = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  s.on('message', (msg, rinfo) => {
    const p = parsePacket(msg);
    got.push({ p, port: rinfo.port });
    react?.(p, rinfo, s);
    if (until(got)) done();
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (const b of packets) s.send(b, to, '127.0.0.1');
  const bound = setTimeout(done, 10_000);
  await finished;
  clearTimeout(bound);
  s.close();
  return got;
}

const isData =
  (block: number) =>
  (g: Got): boolean =>
    g.some((x) => x.p.op === 'data' && x.p.block === block);

test('write requests are refused with ERROR 2; modes other than octet/netascii with ERROR 4', async (t) => {
  const [wrq] = await exchange(
    [encodeRequest('wrq', 'small.bin', 'octet')],
    server.port,
    (g) => g.length > 0,
  );
  t.like(wrq?.p, { op: 'error', code: 2 });
  const [mail] = await exchange(
    [encodeRequest('rrq', 'small.bin', 'mail')],
    server.port,
    (g) => g.length > 0,
  );
  t.like(mail?.p, { op: 'error', code: 4 });
});

test('malformed and random datagrams get ERROR 4 and the server keeps serving', async (t) => {
  const junk = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0, 1, 0x61]),
    Buffer.from([0, 4, 0, 1]),
    Buffer.from([0, 9, 1, 2, 3]),
  ];
  for (let i = 0; i < 200; i++)
    junk.push(Buffer.from(Array.from({ length: i % 40 }, (_, j) => (i * 31 + j * 7) & 0xff)));
  const replies = await exchange(junk, server.port, (g) => g.length >= 5);
  t.true(replies.length > 0);
  t.true(
    replies.every(
      (r) =>
        (r.p.op === 'error' && r.p.code === 4) ||
        (r.p.op === 'error' && r.p.code === 1) ||
        r.p.op === 'oack' ||
        r.p.op === 'data',
    ),
  );
  const r = await tftpGet({ port: server.port, file: 'small.bin' });
  t.is(sha(r.data), root.sha256('small.bin'));
});

test('a stranger writing to a transfer port gets ERROR 5 and the transfer goes on', async (t) => {
  let transferPort = 0;
  const strangerReplies: TftpPacket[] = [];
  const got = await exchange(
    [encodeRequest('rrq', 'small.bin', 'octet')],
    server.port,
    (g) => isData(2)(g) && strangerReplies.length > 0,
    (p, from, s) => {
      if (p.op === 'data' && p.block === 1 && transferPort === 0) {
        transferPort = from.port;
        const stranger = createUdpSocket();
        stranger.on('message', (m) => {
          strangerReplies.push(parsePacket(m));
          stranger.close();
          s.send(encodeAck(1), from.port, from.address);
        });
        stranger.send(encodeAck(1), transferPort, '127.0.0.1');
      }
    },
  );
  t.not(transferPort, 0);
  t.like(strangerReplies[0], { op: 'error', code: 5 });
  t.true(got.some((g) => g.p.op === 'data' && g.p.block === 2));
});

test('a client that goes away mid-transfer ends it at the first resend (port unreachable), not after 10', async (t) => {
  const before = events.length;
  const s = createUdpSocket();
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => {
    s.on('message', () => s.close(r)); // first DATA: go away without an ACK
    s.send(encodeRequest('rrq', 'small.bin', 'octet'), server.port, '127.0.0.1');
  });
  const mine = (): TftpEvent | undefined =>
    events.slice(before).find((e) => e.client === `127.0.0.1:${port}`);
  for (let i = 0; i < 100 && mine() === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  t.like(mine(), {
    ok: false,
    file: 'small.bin',
    retransmits: 1,
    error: 'client went away (port unreachable)',
  });
});

test("duplicate ACKs never trigger a resend (no sorcerer's apprentice)", async (t) => {
  // Loopback keeps order and the server handles datagrams in order: a resent DATA 2 would come before DATA 3.
  const got = await exchange(
    [encodeRequest('rrq', 'small.bin', 'octet')],
    server.port,
    isData(3),
    (p, from, s) => {
      if (p.op !== 'data') return;
      if (p.block === 1) for (let i = 0; i < 3; i++) s.send(encodeAck(1), from.port, from.address);
      if (p.block === 2) s.send(encodeAck(2), from.port, from.address);
    },
  );
  t.is(got.filter((g) => g.p.op === 'data' && g.p.block === 2).length, 1);
});

test('64 concurrent clients all get the file intact', async (t) => {
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      tftpGet({ port: server.port, file: 'small.bin', blksize: 1468, windowsize: i % 2 === 0 ? 8 : 1 }),
    ),
  );
  t.true(results.every((r) => sha(r.data) === root.sha256('small.bin')));
});

test('every finished transfer is reported with client, file, bytes and duration', async (t) => {
  await tftpGet({ port: server.port, file: 'small.bin' });
  await t.throwsAsync(tftpGet({ port: server.port, file: '../outside/secret.txt' }));
  const ok = await eventSoon(events, (e) => e.ok && e.file === 'small.bin');
  t.truthy(ok);
  t.is(ok?.bytes, 100_000);
  t.regex(ok?.client ?? '', /^127\.0\.0\.1:\d+$/);
  t.truthy(await eventSoon(events, (e) => e.code === 2 && e.file === '../outside/secret.txt'));
});

test('a refused request leaves no state: the same client asking again is answered again', async (t) => {
  const rrq = encodeRequest('rrq', 'nope.bin', 'octet');
  const got = await exchange(
    [rrq],
    server.port,
    (g) => g.length >= 2,
    (p, _from, s) => {
      if (p.op === 'error') s.send(rrq, server.port, '127.0.0.1');
    },
  );
  t.deepEqual(
    got.slice(0, 2).map((g) => g.p.op === 'error' && g.p.code),
    [1, 1],
  );
});
