/**
 * One read transfer on its own ephemeral UDP port (the server's TID, RFC 1350 section 4).
 *
 * Windowed sending (RFC 7440; windowsize 1 is plain lock-step RFC 1350): send blocks base..base+w-1, then wait.
 * An ACK for block n >= base slides the window to n+1 and sends at once. An ACK that does not advance (a
 * duplicate) is ignored: only a timeout resends, so the sorcerer's apprentice bug cannot double the traffic.
 * Timeouts adapt to the measured round trip (Karn's rule: no samples from resent windows), back off
 * exponentially, and give up after MAX_RETRIES consecutive timeouts.
 *
 * The transfer socket is connected to the client: each send skips the address lookup and the kernel's route
 * lookup, and only the client's packets reach it. A second socket on the same port (both SO_REUSEADDR; the
 * kernel prefers the connected one for the client's packets) answers everyone else with ERROR 5. A client that
 * goes away mid-transfer is noticed from the ICMP port unreachable its first resend draws, not after
 * MAX_RETRIES timeouts.
 */
import type dgram from 'node:dgram';
import { createUdpSocket } from './udp.js';
import { TFTP_ERROR, encodeError, encodeOack, parsePacket } from './tftp-packet.js';
import type { BlockSource } from './tftp-source.js';
import type { TransferParams } from './tftp-options.js';

/** Consecutive timeouts before a transfer is abandoned. */
export const MAX_RETRIES = 10;
/** Timeout before the first round trip is measured, and the floor and default ceiling of the adaptive one. */
const INITIAL_RTO_MS = 1000;
const MIN_RTO_MS = 100;
const MAX_RTO_MS = 4000;

/** How a transfer ended, for the log line. */
export interface TransferResult {
  ok: boolean;
  bytes: number;
  durationMs: number;
  retransmits: number;
  error?: string;
}

/** Everything a transfer needs; the server creates it after the path and options are settled. */
export interface TransferSetup {
  peer: { address: string; port: number };
  bindAddress: string;
  params: TransferParams;
  source: BlockSource;
  onEnd: (result: TransferResult) => void;
}

/** A running transfer; `abort` ends it early (server shutdown). */
export class TftpTransfer {
  private readonly socket: dgram.Socket;
  /** Same port, not connected: receives only packets from strangers (other address or port than the client). */
  private readonly strangers: dgram.Socket;
  private readonly total: number;
  private base = 1; // first unacknowledged block; 0 while the OACK is outstanding
  private sentTo = 0; // highest block sent so far
  private retries = 0;
  private retransmits = 0;
  private srtt = 0;
  private rttvar = 0;
  private rto: number;
  private sentAt = 0;
  private resent = false;
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  private done = false;
  private connected = false;
  private readonly started = performance.now();

  constructor(private readonly setup: TransferSetup) {
    const { params, source } = setup;
    this.total = Math.floor(source.size / params.blksize) + 1;
    this.rto = Math.min(INITIAL_RTO_MS, params.timeoutMs ?? INITIAL_RTO_MS);
    const big = Math.min(8 << 20, Math.max(1 << 18, (params.blksize + 32) * params.windowsize * 2));
    this.socket = createUdpSocket({ recv: 1 << 18, send: big, reuseAddr: true });
    this.socket.on('message', (msg) => this.onMessage(msg));
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNREFUSED') return this.finish(false, `socket error: ${err.message}`);
      // The ICMP error can overtake a final ACK still queued on the socket: let queued packets in first.
      setTimeout(() => this.finish(false, 'client went away (port unreachable)'), 50);
    });
    this.strangers = createUdpSocket({ reuseAddr: true });
    this.strangers.on('message', (_msg, rinfo) => this.onStranger(rinfo));
    this.strangers.on('error', (err) => this.finish(false, `socket error: ${err.message}`));
  }

  /** Binds the transfer's port, connects it to the client and sends the OACK or the first window. */
  start(): void {
    const { bindAddress, peer } = this.setup;
    // Each step checks `done`: an abort (server shutdown) may close the sockets between the steps.
    this.socket.bind({ address: bindAddress, port: 0, exclusive: true }, () => {
      if (this.done) return;
      this.socket.connect(peer.port, peer.address, () => {
        if (this.done) return;
        this.connected = true;
        const { port } = this.socket.address();
        this.strangers.bind({ address: bindAddress, port, exclusive: true }, () => {
          if (this.done) return;
          if (this.setup.params.oack.size > 0) {
            this.base = 0;
            this.sendOack();
          } else {
            this.sendWindow();
          }
        });
      });
    });
  }

  /** Ends the transfer, telling the client why with an ERROR packet (code 0 unless given). */
  abort(message: string, code: number = TFTP_ERROR.notDefined): void {
    if (this.done) return;
    this.finish(false, message, false);
    // Close only once the ERROR has left: closing at once would drop the queued send.
    if (!this.connected) this.socket.close();
    else this.socket.send(encodeError(code, message), () => this.socket.close());
  }

  private send(packet: Buffer): void {
    if (this.done) return;
    this.socket.send(packet);
  }

  private sendOack(): void {
    this.sentAt = performance.now();
    this.send(encodeOack(this.setup.params.oack));
    this.arm();
  }

  /** Sends the window starting at `base`; synchronous unless its chunk must be read first. */
  private sendWindow(): void {
    const { source, params } = this.setup;
    const base = this.base;
    const last = Math.min(this.total, base + params.windowsize - 1);
    if (source.packet(last) === undefined || source.packet(base) === undefined) {
      source.load(base, last).then(
        () => {
          if (!this.done && this.base === base) this.sendWindow(); // else a newer ACK took over while we read
        },
        (err: Error) => this.abort(`read failed: ${err.message}`),
      );
      return;
    }
    this.resent = last <= this.sentTo;
    if (!this.resent) this.sentAt = performance.now();
    for (let n = base; n <= last; n++) this.socket.send(source.packet(n)!);
    if (last > this.sentTo) this.sentTo = last;
    this.arm();
  }

  private arm(): void {
    // refresh() re-arms the same timer object: no allocation per window on the hot path.
    if (this.timer !== undefined && this.timerMs === this.rto) this.timer.refresh();
    else {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onTimeout(), this.rto);
      this.timerMs = this.rto;
    }
  }

  private onTimeout(): void {
    if (this.done) return;
    if (++this.retries > MAX_RETRIES) {
      this.abort(`timed out after ${MAX_RETRIES} retries waiting for block ${Math.max(this.base - 1, 0)}`);
      return;
    }
    this.retransmits++;
    this.rto = Math.min(this.rto * 2, this.ceiling());
    this.resent = true;
    if (this.base === 0) this.sendOack();
    else this.sendWindow();
  }

  private ceiling(): number {
    return this.setup.params.timeoutMs ?? MAX_RTO_MS;
  }

  private sample(): void {
    if (this.resent) return; // Karn: a resent window's ACK says nothing about the round trip
    const rtt = performance.now() - this.sentAt;
    if (this.srtt === 0) [this.srtt, this.rttvar] = [rtt, rtt / 2];
    else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rto = Math.max(MIN_RTO_MS, Math.min(this.ceiling(), this.srtt + 4 * this.rttvar));
  }

  /** RFC 1350: a packet from a stranger gets ERROR 5 and does not disturb the transfer. */
  private onStranger(rinfo: dgram.RemoteInfo): void {
    this.strangers.send(encodeError(TFTP_ERROR.unknownTid, 'unknown transfer ID'), rinfo.port, rinfo.address);
  }

  private onMessage(msg: Buffer): void {
    // Fast path: a well-formed ACK, the only packet a healthy transfer receives.
    if (msg.length === 4 && msg[0] === 0 && msg[1] === 4) return this.onAck(msg.readUInt16BE(2));
    const packet = parsePacket(msg);
    if (packet.op === 'error')
      return this.finish(false, `client sent ERROR ${packet.code}: ${packet.message}`);
    if (packet.op !== 'ack') {
      const what =
        packet.op === 'malformed'
          ? `malformed packet: ${packet.reason}`
          : `unexpected ${packet.op.toUpperCase()} during a read transfer`;
      this.abort(what, TFTP_ERROR.illegalOperation);
      return;
    }
    this.onAck(packet.block);
  }

  private onAck(block: number): void {
    // Map the 16-bit block number into the window: base-1 .. sentTo (block numbers wrap after 65535).
    const acked = this.base - 1 + ((block - (this.base - 1)) & 0xffff);
    if (acked < this.base || acked > this.sentTo) return; // duplicate or stale: wait for the timer
    this.sample();
    this.retries = 0;
    if (acked >= this.total) return this.finish(true);
    this.base = acked + 1;
    this.setup.source.release(this.base, this.socket.getSendQueueCount() === 0);
    this.sendWindow();
  }

  private finish(ok: boolean, error?: string, close = true): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (close) this.socket.close();
    this.strangers.close();
    void this.setup.source.close().catch(() => undefined);
    const bytes = ok
      ? this.setup.source.size
      : Math.min(this.setup.source.size, Math.max(0, this.base - 1) * this.setup.params.blksize);
    const result: TransferResult = {
      ok,
      bytes,
      durationMs: performance.now() - this.started,
      retransmits: this.retransmits,
    };
    if (error !== undefined) result.error = error;
    this.setup.onEnd(result);
  }
}
