/**
 * IPv4 addresses as the spec writes them (`a.b.c.d` or `a.b.c.d/len`): parsing to numbers, subnet arithmetic,
 * and the printed forms config files need. The one address module: the spec rules, the director model, the
 * render views and the lab read it. Pure.
 *
 * Contract: `parse*` return null on malformed input (the spec rules report it with the field); `bareAddress`
 * never fails; `cidrForms` is for input the spec rules have already accepted and throws InternalError otherwise.
 */
import { InternalError } from './errors.js';

/** An address with its prefix, e.g. `192.168.31.101/24`, as numbers. */
export interface Cidr {
  address: number;
  prefix: number;
}

/** An IPv4 address with its prefix length, in the forms config files print. */
export interface CidrForms {
  /** Dotted address without the prefix, e.g. `10.10.31.11`. */
  address: string;
  prefix: number;
  /** `10.10.31.11/24` (a bare address reads as /32). */
  cidr: string;
  /** Dotted netmask, e.g. `255.255.255.0`. */
  netmask: string;
  /** Dotted network address, e.g. `10.10.31.0`. */
  network: string;
  /** Dotted broadcast address, e.g. `10.10.31.255`. */
  broadcast: string;
}

/** `10.10.31.11` → 168435467; null when not a dotted quad (no prefix allowed). */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

/** 168435467 → `10.10.31.11`. */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The netmask of a prefix length as a number (/24 → 0xffffff00). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `192.168.31.101/24` → {address, prefix}; a bare address counts as /32; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, prefix, ...rest] = text.split('/');
  if (addr === undefined || rest.length > 0) return null;
  const address = parseIpv4(addr);
  const p = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (address === null || !(p >= 0 && p <= 32)) return null;
  return { address, prefix: p };
}

/** The address part of `a.b.c.d/len` (or the text itself when it has no prefix). */
export function bareAddress(text: string): string {
  const slash = text.indexOf('/');
  return slash < 0 ? text : text.slice(0, slash);
}

/** True when `address` lies in the subnet of `cidr`. */
export function inSubnet(address: number, cidr: Cidr): boolean {
  const mask = prefixMask(cidr.prefix);
  return (address & mask) >>> 0 === (cidr.address & mask) >>> 0;
}

/** True when `address` (dotted, a prefix ignored) lies in the subnet of `cidr`; false when either is malformed. */
export function cidrContains(cidr: string, address: string): boolean {
  const net = parseCidr(cidr);
  const value = parseIpv4(bareAddress(address));
  return net !== null && value !== null && inSubnet(value, net);
}

/** `192.168.31.101/24` → `192.168.31.0/24`. */
export function formatSubnet(cidr: Cidr): string {
  return `${formatIpv4((cidr.address & prefixMask(cidr.prefix)) >>> 0)}/${cidr.prefix}`;
}

/** Prefix length of a contiguous dotted netmask (`255.255.255.0` → 24); null when not contiguous or malformed. */
export function netmaskPrefix(mask: string): number | null {
  const n = parseIpv4(mask);
  if (n === null) return null;
  for (let p = 0; p <= 32; p++) if (prefixMask(p) === n) return p;
  return null;
}

/** The printed forms of an address the spec rules accepted; throws InternalError when one slipped through. */
export function cidrForms(text: string): CidrForms {
  const parsed = parseCidr(text);
  if (parsed === null) {
    // The schema and rules reject malformed addresses before anything renders; reaching here is a bug.
    throw new InternalError(`not an IPv4 address with prefix: ${text}`);
  }
  const mask = prefixMask(parsed.prefix);
  const network = (parsed.address & mask) >>> 0;
  const address = formatIpv4(parsed.address);
  return {
    address,
    prefix: parsed.prefix,
    cidr: `${address}/${parsed.prefix}`,
    netmask: formatIpv4(mask),
    network: formatIpv4(network),
    broadcast: formatIpv4((network | ~mask) >>> 0),
  };
}
