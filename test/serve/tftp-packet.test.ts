import test from 'ava';
import { randomBytes } from 'node:crypto';
import {
  encodeAck,
  encodeError,
  encodeOack,
  encodeRequest,
  parsePacket,
  writeDataHeader,
} from '../../src/serve/tftp-packet.js';

test('a read request with options round-trips, option names lower-cased', (t) => {
  const buf = encodeRequest(
    'rrq',
    'pxelinux.cfg/01-52-54-00-12-34-56',
    'octet',
    new Map([
      ['BLKSIZE', '1468'],
      ['tsize', '0'],
    ]),
  );
  const p = parsePacket(buf);
  t.deepEqual(p, {
    op: 'rrq',
    filename: 'pxelinux.cfg/01-52-54-00-12-34-56',
    mode: 'octet',
    options: new Map([
      ['blksize', '1468'],
      ['tsize', '0'],
    ]),
  });
});

test('the request mode is case-insensitive', (t) => {
  const p = parsePacket(encodeRequest('wrq', 'x', 'OCTET'));
  t.is(p.op === 'wrq' ? p.mode : '', 'octet');
});

test('ACK, ERROR, OACK and DATA headers encode as RFC 1350 / 2347 bytes', (t) => {
  t.deepEqual([...encodeAck(65537)], [0, 4, 0, 1]);
  t.deepEqual([...encodeError(2, 'no')], [0, 5, 0, 2, 0x6e, 0x6f, 0]);
  t.deepEqual([...encodeOack(new Map([['blksize', '8']]))], [0, 6, ...Buffer.from('blksize\0' + '8\0')]);
  const d = Buffer.alloc(4);
  writeDataHeader(d, 0, 65536 + 7);
  t.deepEqual([...d], [0, 3, 0, 7]);
});

test('DATA keeps its payload and block number', (t) => {
  const p = parsePacket(Buffer.from([0, 3, 0x12, 0x34, 1, 2, 3]));
  t.deepEqual(p.op === 'data' ? [p.block, [...p.data]] : null, [0x1234, [1, 2, 3]]);
});

const malformed: [string, number[]][] = [
  ['empty', []],
  ['one byte', [0]],
  ['unknown opcode', [0, 9, 0, 0]],
  ['opcode 0', [0, 0]],
  ['RRQ without NUL', [0, 1, 0x61]],
  ['RRQ without mode', [0, 1, 0x61, 0]],
  ['RRQ with an option lacking its value', [0, 1, 0x61, 0, 0x6f, 0, 0x62, 0]],
  ['ACK too short', [0, 4, 0]],
  ['DATA too short', [0, 3, 1]],
  ['ERROR too short', [0, 5, 0]],
  ['OACK without NUL', [0, 6, 0x61]],
];
for (const [title, bytes] of malformed) {
  test(`malformed: ${title}`, (t) => {
    t.is(parsePacket(Buffer.from(bytes)).op, 'malformed');
  });
}

test('random bytes never make the parser throw (10 000 packets)', (t) => {
  const ops = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const buf = randomBytes(i % 64);
    if (i % 3 === 0 && buf.length >= 2) buf.writeUInt16BE(1 + (Math.floor(i / 3) % 6), 0);
    ops.add(parsePacket(buf).op);
  }
  t.true(ops.has('malformed'));
  t.true(ops.size > 3);
});
