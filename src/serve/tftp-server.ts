/**
 * The read-only TFTP server: one listening socket that answers requests, and one `TftpTransfer` (own port) per
 * accepted read. Write requests, paths outside the root and bad options are refused with the RFC 1350/2347
 * ERROR code; malformed datagrams get ERROR 4 and never reach a transfer.
 */
import type dgram from 'node:dgram';
import { createUdpSocket } from './udp.js';
import { realpath } from 'node:fs/promises';
import { BuildError } from '../lib/errors.js';
import { resolveInRoot } from './root-path.js';
import { TFTP_ERROR, encodeError, parsePacket } from './tftp-packet.js';
import { DEFAULT_TFTP_LIMITS, negotiateOptions, type TftpLimits } from './tftp-options.js';
import { openBlockSource } from './tftp-source.js';
import { TftpTransfer } from './tftp-transfer.js';

/** One finished (or refused) TFTP request, for the transfer log. */
export interface TftpEvent {
  protocol: 'tftp';
  client: string;
  file: string;
  ok: boolean;
  bytes: number;
  durationMs: number;
  blksize?: number;
  windowsize?: number;
  retransmits?: number;
  /** ERROR code sent for a refused request. */
  code?: number;
  error?: string;
}

/** Where and what to serve. */
export interface TftpServerOptions {
  /** Folder to serve; resolved to its real path once at start. */
  root: string;
  address: string;
  port: number;
  limits?: TftpLimits;
  onEvent?: (event: TftpEvent) => void;
}

/** A running TFTP server. */
export interface TftpServer {
  address: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** Transfers in progress. */
  active(): number;
  /** Stops listening, aborts running transfers, resolves when every socket is closed. */
  close(): Promise<void>;
}

const MODES: Record<string, 'octet' | 'netascii'> = { octet: 'octet', netascii: 'netascii' };

/** Starts the TFTP server; throws BuildError when the port cannot be bound. */
export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const root = await realpath(opts.root).catch(() => {
    throw new BuildError(`TFTP root ${opts.root} does not exist`, {
      hint: 'build the image first, or pass --root DIR',
    });
  });
  const limits = opts.limits ?? DEFAULT_TFTP_LIMITS;
  const emit = opts.onEvent ?? (() => undefined);
  const transfers = new Map<string, TftpTransfer | 'pending'>();
  const listener = createUdpSocket({ recv: 1 << 20 });

  const refuseNow = (rinfo: dgram.RemoteInfo, file: string, code: number, message: string): void => {
    listener.send(encodeError(code, message), rinfo.port, rinfo.address);
    emit({
      protocol: 'tftp',
      client: `${rinfo.address}:${rinfo.port}`,
      file,
      ok: false,
      bytes: 0,
      durationMs: 0,
      code,
      error: message,
    });
  };

  const startRead = async (
    rinfo: dgram.RemoteInfo,
    filename: string,
    mode: 'octet' | 'netascii',
    options: Map<string, string>,
  ): Promise<void> => {
    const key = `${rinfo.address}:${rinfo.port}`;
    // A refused request leaves no state: the client's resent RRQ (its ERROR may be lost) is answered again.
    const refuse = (r: dgram.RemoteInfo, file: string, code: number, message: string): void => {
      if (transfers.get(key) === 'pending') transfers.delete(key);
      refuseNow(r, file, code, message);
    };
    const found = await resolveInRoot(root, filename);
    if (!found.ok) {
      const code = found.refusal.kind === 'not-found' ? TFTP_ERROR.fileNotFound : TFTP_ERROR.accessViolation;
      return refuse(rinfo, filename, code, found.refusal.message);
    }
    const opened = await openBlockSource(found.file.file, mode, found.file.size).catch(() => null);
    if (opened === null)
      return refuse(rinfo, filename, TFTP_ERROR.accessViolation, `"${filename}" cannot be read`);
    const negotiated = negotiateOptions(options, opened.size, limits);
    if (!negotiated.ok) {
      await opened.discard();
      return refuse(rinfo, filename, TFTP_ERROR.optionRefused, negotiated.message);
    }
    const { params } = negotiated;
    if (!transfers.has(key)) return void opened.discard(); // server closed meanwhile
    const transfer = new TftpTransfer({
      peer: { address: rinfo.address, port: rinfo.port },
      bindAddress: opts.address,
      params,
      source: opened.create(params.blksize, params.windowsize),
      onEnd: (r) => {
        transfers.delete(key);
        const event: TftpEvent = {
          protocol: 'tftp',
          client: key,
          file: filename,
          ok: r.ok,
          bytes: r.bytes,
          durationMs: r.durationMs,
          blksize: params.blksize,
          windowsize: params.windowsize,
          retransmits: r.retransmits,
        };
        if (r.error !== undefined) event.error = r.error;
        emit(event);
      },
    });
    transfers.set(key, transfer);
    transfer.start();
  };

  listener.on('message', (msg, rinfo) => {
    const packet = parsePacket(msg);
    const key = `${rinfo.address}:${rinfo.port}`;
    switch (packet.op) {
      case 'rrq': {
        // A retransmitted RRQ while its transfer runs: the transfer's own timer resends, so ignore it.
        if (transfers.has(key)) return;
        const mode = MODES[packet.mode];
        if (mode === undefined)
          return refuseNow(
            rinfo,
            packet.filename,
            TFTP_ERROR.illegalOperation,
            `transfer mode "${packet.mode}" is not supported (use octet)`,
          );
        transfers.set(key, 'pending');
        startRead(rinfo, packet.filename, mode, packet.options).catch((err: Error) => {
          if (transfers.get(key) === 'pending') transfers.delete(key);
          refuseNow(rinfo, packet.filename, TFTP_ERROR.notDefined, `internal error: ${err.message}`);
        });
        return;
      }
      case 'wrq':
        return refuseNow(
          rinfo,
          packet.filename,
          TFTP_ERROR.accessViolation,
          'this server is read-only; write requests are refused',
        );
      case 'error':
        return; // never answer an error with an error
      case 'malformed':
        return refuseNow(rinfo, '', TFTP_ERROR.illegalOperation, `malformed request: ${packet.reason}`);
      default:
        return refuseNow(
          rinfo,
          '',
          TFTP_ERROR.illegalOperation,
          `${packet.op.toUpperCase()} sent to the request port`,
        );
    }
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EACCES'
          ? 'ports below 1024 need root (or CAP_NET_BIND_SERVICE)'
          : err.code === 'EADDRINUSE'
            ? 'another TFTP server (tftpd-hpa, dnsmasq) may hold it'
            : err.message;
      reject(
        new BuildError(`cannot bind TFTP to ${opts.address}:${opts.port}: ${err.code ?? err.message}`, {
          hint: `${why}; pick another --tftp-port or --bind`,
        }),
      );
    });
    listener.bind({ address: opts.address, port: opts.port, exclusive: true }, () => resolve());
  });
  listener.on('error', () => undefined); // after start-up, a send error on the listener must not crash serve

  return {
    address: opts.address,
    port: listener.address().port,
    active: () => transfers.size,
    close: async () => {
      const closing = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const [key, t] of transfers) {
        if (t !== 'pending') t.abort('server shutting down');
        transfers.delete(key);
      }
      await closing;
    },
  };
}
