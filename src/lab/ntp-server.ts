/**
 * The lab's NTP server: a Node dgram socket in the ops namespace answering each client request (mode 3) with a
 * server reply (mode 4, stratum 1) carrying the host's clock, so the director's ntpd has a source inside the lab.
 * The reply is built by one self-contained function that the server process runs as its source text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildError } from '../lib/errors.js';
import { startDaemon, type Daemon } from './daemon.js';

/** Where the director's clock starts in a lab with access.ntp (UTC): years behind, so only ntpd can set it right. */
export const LAB_RTC_BASE = '2020-01-01T00:00:00';

/** Seconds from the NTP era (1900) to the Unix epoch. */
export const NTP_UNIX_OFFSET = 2208988800;

/**
 * The reply to one NTP request (RFC 5905 header, 48 bytes), or null for anything but a client request. Pure and
 * self-contained: its source text runs in the server process.
 */
export function ntpReply(request: Uint8Array, nowMs: number): Uint8Array | null {
  if (request.length < 48 || (request[0]! & 7) !== 3) return null;
  const out = new Uint8Array(48);
  const view = new DataView(out.buffer);
  const version = (request[0]! >> 3) & 7;
  out[0] = (version << 3) | 4; // leap 0 (synchronized), the client's version, mode 4 (server)
  out[1] = 1; // stratum 1: a primary source
  out[2] = request[2]!; // the client's poll
  out[3] = 0xec; // precision 2^-20 s
  view.setUint32(8, 0x10); // root dispersion: 16/65536 s
  out.set([0x4c, 0x41, 0x42, 0x00], 12); // reference id "LAB"
  const seconds = Math.floor(nowMs / 1000) + 2208988800;
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 2 ** 32);
  for (const at of [16, 32, 40]) {
    view.setUint32(at, seconds);
    view.setUint32(at + 4, fraction);
  }
  out.set(request.subarray(40, 48), 24); // originate: the client's transmit timestamp, echoed
  return out;
}

/** Unix milliseconds of the NTP timestamp at `offset` of a packet. Pure. */
export function ntpTimeMs(packet: Uint8Array, offset: number): number {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return (view.getUint32(offset) - NTP_UNIX_OFFSET) * 1000 + (view.getUint32(offset + 4) / 2 ** 32) * 1000;
}

/** Starts the NTP server on UDP 123 of every address of namespace `ns`; each answer is logged to the work folder. */
export async function startNtpServer(ns: string, workDir: string): Promise<Daemon> {
  const script = [
    `const reply = ${ntpReply.toString()};`,
    "const s = require('node:dgram').createSocket('udp4');",
    "s.on('message', (m, from) => {",
    '  const r = reply(new Uint8Array(m), Date.now());',
    '  if (r === null) return;',
    '  s.send(r, from.port, from.address);',
    '  console.log(`${new Date().toISOString()} answered ${from.address}:${from.port}`);',
    '});',
    "s.on('listening', () => console.log('listening on UDP 123'));",
    's.bind(123);',
  ].join('\n');
  const log = path.join(workDir, 'ntp-server.log');
  const daemon = await startDaemon('ip', ['netns', 'exec', ns, process.execPath, '-e', script], log);
  // Answering from the first query: wait (bounded) until the socket is bound.
  for (let i = 0; i < 100; i++) {
    if ((await readFile(log, 'utf8').catch(() => '')).includes('listening on UDP 123')) return daemon;
    await sleep(100);
  }
  await daemon.stop();
  throw new BuildError(`the lab's NTP server did not bind UDP 123 in ${ns} within 10 s (${log})`);
}
