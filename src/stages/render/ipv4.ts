/** IPv4 arithmetic the rendered files need: CIDR parsing, netmask, network and broadcast addresses. */
import { formatIpv4, parseIpv4, prefixMask } from '../../spec/net.js';

/** An IPv4 address with its prefix length, split into the forms config files print. */
export interface Ipv4Cidr {
  /** Dotted address without the prefix, e.g. `10.10.31.11`. */
  address: string;
  prefix: number;
  /** Dotted netmask, e.g. `255.255.255.0`. */
  netmask: string;
  /** Dotted network address, e.g. `10.10.31.0`. */
  network: string;
  /** Dotted broadcast address, e.g. `10.10.31.255`. */
  broadcast: string;
}

// NOTE: the address arithmetic is the spec's (src/spec/net.ts); this module adds the printed forms.
export { formatIpv4, parseIpv4, prefixMask } from '../../spec/net.js';

/** Parses `a.b.c.d/len` (a bare address counts as /32); throws when the spec slipped an invalid one through. */
export function parseCidr(text: string): Ipv4Cidr {
  const [addr = '', len = '32', extra] = text.split('/');
  const value = parseIpv4(addr);
  const prefix = /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (value === null || extra !== undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new TypeError(`not an IPv4 address with prefix: ${text}`);
  }
  const mask = prefixMask(prefix);
  const network = (value & mask) >>> 0;
  return {
    address: formatIpv4(value),
    prefix,
    netmask: formatIpv4(mask),
    network: formatIpv4(network),
    broadcast: formatIpv4((network | ~mask) >>> 0),
  };
}

/** True when `address` (dotted, no prefix) lies inside the subnet of `cidr`. */
export function cidrContains(cidr: string, address: string): boolean {
  const net = parseCidr(cidr);
  const value = parseIpv4(address.split('/')[0] ?? '');
  const mask = prefixMask(net.prefix);
  return value !== null && (value & mask) >>> 0 === parseIpv4(net.network);
}
