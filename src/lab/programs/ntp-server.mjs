// The lab's NTP server: answers each client request (mode 3) on UDP 123 of every address of its namespace with a
// server reply (mode 4, stratum 1) carrying the host's clock, so the director's ntpd has a source inside the lab.
// Logs each answer; prints "listening on UDP 123" once bound. Run with no arguments; imported, it only exports
// ntpReply (the tests read it).
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

/** Seconds from the NTP era (1900) to the Unix epoch. */
export const NTP_UNIX_OFFSET = 2208988800;

/** The reply to one NTP request (RFC 5905 header, 48 bytes), or null for anything but a client request. Pure. */
export function ntpReply(request, nowMs) {
  if (request.length < 48 || (request[0] & 7) !== 3) return null;
  const out = new Uint8Array(48);
  const view = new DataView(out.buffer);
  const version = (request[0] >> 3) & 7;
  out[0] = (version << 3) | 4; // leap 0 (synchronized), the client's version, mode 4 (server)
  out[1] = 1; // stratum 1: a primary source
  out[2] = request[2]; // the client's poll
  out[3] = 0xec; // precision 2^-20 s
  view.setUint32(8, 0x10); // root dispersion: 16/65536 s
  out.set([0x4c, 0x41, 0x42, 0x00], 12); // reference id "LAB"
  const seconds = Math.floor(nowMs / 1000) + NTP_UNIX_OFFSET;
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 2 ** 32);
  for (const at of [16, 32, 40]) {
    view.setUint32(at, seconds);
    view.setUint32(at + 4, fraction);
  }
  out.set(request.subarray(40, 48), 24); // originate: the client's transmit timestamp, echoed
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = createSocket('udp4');
  s.on('message', (m, from) => {
    const r = ntpReply(new Uint8Array(m), Date.now());
    if (r === null) return;
    s.send(r, from.port, from.address);
    console.log(`${new Date().toISOString()} answered ${from.address}:${from.port}`);
  });
  s.on('listening', () => console.log('listening on UDP 123'));
  s.bind(123);
}
