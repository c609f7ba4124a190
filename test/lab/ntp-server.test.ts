/** The lab's NTP server reply and the step line the director logs. */
import test from 'ava';
import { parseNtpStep } from '../../src/lab/checks/ntp.js';
import { NTP_UNIX_OFFSET, ntpReply } from '../../src/lab/programs/ntp-server.mjs';

/** Unix milliseconds of the NTP timestamp at `offset` of a packet. */
function ntpTimeMs(packet: Uint8Array, offset: number): number {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return (view.getUint32(offset) - NTP_UNIX_OFFSET) * 1000 + (view.getUint32(offset + 4) / 2 ** 32) * 1000;
}

function request(version = 4): Uint8Array {
  const r = new Uint8Array(48);
  r[0] = (version << 3) | 3;
  r[2] = 6;
  r.set([1, 2, 3, 4, 5, 6, 7, 8], 40);
  return r;
}

test('a client request gets a synchronized stratum-1 reply with its transmit time echoed and the time given', (t) => {
  const now = Date.parse('2026-12-01T11:30:00.250Z');
  const reply = ntpReply(request(), now);
  t.truthy(reply);
  if (reply === null) return;
  t.is(reply[0]! >> 6, 0, 'leap: no warning (synchronized)');
  t.is((reply[0]! >> 3) & 7, 4, "the client's version");
  t.is(reply[0]! & 7, 4, 'mode 4: server');
  t.is(reply[1], 1, 'stratum 1');
  t.is(reply[2], 6, "the client's poll");
  t.deepEqual([...reply.subarray(24, 32)], [1, 2, 3, 4, 5, 6, 7, 8], 'originate = the request transmit time');
  for (const at of [16, 32, 40]) t.true(Math.abs(ntpTimeMs(reply, at) - now) < 1, `timestamp at ${at}`);
  t.is(new DataView(reply.buffer).getUint32(40) - NTP_UNIX_OFFSET, Math.floor(now / 1000));
  t.is(ntpReply(request(3), now)?.[0], (3 << 3) | 4, 'an NTPv3 client gets a v3 reply');
});

test('anything but a client request gets no reply', (t) => {
  const server = request();
  server[0] = (4 << 3) | 4;
  t.is(ntpReply(server, 0), null);
  t.is(ntpReply(new Uint8Array(20), 0), null);
});

test('parseNtpStep reads the offset /etc/ntpd-event logs', (t) => {
  t.is(
    parseNtpStep('<13>Dec  1 11:28:48 ntpd: step offset=218287723.396182s stratum=16 poll=32s drift=0ppm'),
    218287723.396182,
  );
  t.is(parseNtpStep('<13>Dec  1 11:28:48 ntpd: step offset=-0.5s stratum=2'), -0.5);
  t.is(parseNtpStep('ntpd: periodic offset=0.001s'), null);
});
