/** UDP sockets for TFTP: IPv4 only, with an address lookup that answers IP literals synchronously. */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIPv4 } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

// NOTE: dgram resolves the destination of every send through `lookup`; the default (dns.lookup) defers IP
// literals to the next tick, which costs a measurable share of the per-packet time in windowed transfers.
function lookupLiteral(address: string, family: unknown, callback: LookupCallback): void {
  if (isIPv4(address)) callback(null, address, 4);
  else dns.lookup(address, { family: 4 }, (err, addr, fam) => callback(err, addr, fam));
}

/** Creates an IPv4 UDP socket with the given kernel buffer sizes (and SO_REUSEADDR when `reuseAddr`). */
export function createUdpSocket(
  buffers: { recv?: number; send?: number; reuseAddr?: boolean } = {},
): dgram.Socket {
  return dgram.createSocket({
    type: 'udp4',
    lookup: lookupLiteral,
    ...(buffers.reuseAddr === true ? { reuseAddr: true } : {}),
    ...(buffers.recv !== undefined ? { recvBufferSize: buffers.recv } : {}),
    ...(buffers.send !== undefined ? { sendBufferSize: buffers.send } : {}),
  });
}
