/**
 * A small TFTP read client for tests and bench/ (RFC 1350, 2347 OACK, 2348 blksize, 2349 tsize, 7440
 * windowsize), because the packaged clients do not speak windowsize reliably. Every wait is bounded.
 */
import { createUdpSocket } from '../../src/serve/udp.js';
import {
  encodeAck,
  encodeError,
  encodeRequest,
  parsePacket,
  type TftpPacket,
} from '../../src/serve/tftp-packet.js';

export interface TftpGetOptions {
  host?: string;
  port: number;
  file: string;
  blksize?: number;
  windowsize?: number;
  /** Ask for tsize (default true). */
  tsize?: boolean;
  mode?: 'octet' | 'netascii';
  /** Resend the last ACK (or the RRQ) after this much silence. Default 500 ms. */
  retryMs?: number;
  /** Give up after this many consecutive silent periods. Default 20. */
  maxRetries?: number;
  /** Drop this fraction of received DATA packets on purpose (0..1), to exercise server timeouts. */
  dropRate?: number;
  /** After the last block, keep re-acknowledging resent last blocks for this long (RFC 1350 "dally"). Default 0. */
  dallyMs?: number;
}

export interface TftpGetResult {
  data: Buffer;
  /** Options the server granted in its OACK (empty when it sent DATA 1 directly). */
  oack: Map<string, string>;
  durationMs: number;
  /** DATA packets received out of order or twice. */
  outOfOrder: number;
}

/** A TFTP ERROR received instead of the file. */
export class TftpRemoteError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`TFTP ERROR ${code}: ${message}`);
  }
}

/** Downloads one file; rejects with TftpRemoteError on an ERROR packet, or Error on timeout. */
export function tftpGet(opts: TftpGetOptions): Promise<TftpGetResult> {
  const host = opts.host ?? '127.0.0.1';
  const retryMs = opts.retryMs ?? 500;
  const maxRetries = opts.maxRetries ?? 20;
  const options = new Map<string, string>();
  if (opts.blksize !== undefined) options.set('blksize', String(opts.blksize));
  if (opts.windowsize !== undefined) options.set('windowsize', String(opts.windowsize));
  if (opts.tsize !== false) options.set('tsize', '0');
  const rrq = encodeRequest('rrq', opts.file, opts.mode ?? 'octet', options);
  const socket = createUdpSocket({ recv: 8 << 20 });
  const started = performance.now();

  return new Promise<TftpGetResult>((resolve, reject) => {
    let blksize = 512;
    let windowsize = 1;
    let oack = new Map<string, string>();
    let server: { address: string; port: number } | undefined;
    const blocks: Buffer[] = [];
    let expected = 1; // next absolute block number
    let inWindow = 0;
    let outOfOrder = 0;
    let retries = 0;
    let lastAck: Buffer = rrq;
    let timer: NodeJS.Timeout | undefined;

    const sendTo = (buf: Buffer, port: number, address: string): void => socket.send(buf, port, address);
    let finished = false;
    let closed = false;
    const close = (): void => {
      if (!closed) socket.close();
      closed = true;
    };
    const end = (err: Error | null): void => {
      clearTimeout(timer);
      finished = true;
      if (err !== null) reject(err);
      else
        resolve({ data: Buffer.concat(blocks), oack, durationMs: performance.now() - started, outOfOrder });
      if (err !== null || !opts.dallyMs) close();
      else setTimeout(close, opts.dallyMs);
    };
    const onSilence = (): void => {
      if (++retries > maxRetries)
        return end(
          new Error(
            `TFTP get ${opts.file}: no answer after ${maxRetries} retries (expected block ${expected})`,
          ),
        );
      sendTo(lastAck, server?.port ?? opts.port, server?.address ?? host);
      arm();
    };
    // One timer, re-armed with refresh(): the client must not be the bottleneck of bench/tftp.ts.
    const arm = (): void => {
      if (timer === undefined) timer = setTimeout(onSilence, retryMs);
      else timer.refresh();
    };
    const ack = (n: number, then?: () => void): void => {
      lastAck = encodeAck(n);
      inWindow = 0;
      socket.send(lastAck, server!.port, server!.address, then);
    };

    socket.on('error', (err) => (finished ? undefined : end(err)));
    socket.on('message', (msg, rinfo) => {
      if (finished) {
        if (rinfo.port === server?.port && !closed) sendTo(lastAck, rinfo.port, rinfo.address);
        return;
      }
      if (server === undefined) server = { address: rinfo.address, port: rinfo.port };
      else if (rinfo.port !== server.port || rinfo.address !== server.address) {
        sendTo(encodeError(5, 'unknown transfer ID'), rinfo.port, rinfo.address);
        return;
      }
      // Fast path for DATA, the packet a transfer is made of.
      const p: TftpPacket =
        msg.length >= 4 && msg[0] === 0 && msg[1] === 3
          ? { op: 'data', block: msg.readUInt16BE(2), data: msg.subarray(4) }
          : parsePacket(msg);
      if (p.op === 'error') return end(new TftpRemoteError(p.code, p.message));
      if (p.op === 'oack' && blocks.length > 0) return; // a resent OACK overtaken by DATA: stale
      if (p.op === 'oack') {
        oack = p.options;
        blksize = Number(oack.get('blksize') ?? 512);
        windowsize = Number(oack.get('windowsize') ?? 1);
        retries = 0;
        ack(0);
        return arm();
      }
      if (p.op !== 'data') return end(new Error(`unexpected ${p.op} from server`));
      if (opts.dropRate !== undefined && Math.random() < opts.dropRate) return;
      retries = 0;
      const ahead = (p.block - expected) & 0xffff;
      if (ahead >= 0x8000) return; // an old block again (a resend that crossed our ACK): nothing to do
      if (ahead !== 0) {
        // RFC 7440: on a gap, acknowledge the last block received in order so the sender restarts there.
        outOfOrder++;
        if (inWindow !== -1) {
          ack(expected - 1);
          inWindow = -1; // one such ACK per gap
        }
        return arm();
      }
      if (inWindow === -1) inWindow = 0;
      blocks.push(p.data);
      expected++;
      inWindow++;
      if (p.data.length < blksize) {
        clearTimeout(timer);
        finished = true;
        // Close only after the final ACK has left, or the server never learns the transfer succeeded.
        ack(expected - 1, () => {
          finished = false;
          end(null);
        });
        return;
      }
      if (inWindow >= windowsize) ack(expected - 1);
      arm();
    });
    socket.bind(0, () => {
      sendTo(rrq, opts.port, host);
      arm();
    });
  });
}
