/** IPv4 arithmetic the rendered files need: CIDR parsing, netmask, network and broadcast addresses. */

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

/** Parses a dotted IPv4 address to an unsigned 32-bit number, or null when it is not one. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit number as a dotted IPv4 address. */
export function formatIpv4(value: number): string {
  const v = value >>> 0;
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

/** The netmask of a prefix length as an unsigned 32-bit number. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

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
