/** IPv4 arithmetic for the spec rules and defaults: addresses, prefixes, subnets, netmasks. Pure. */

/** An address with its prefix, e.g. `192.168.31.101/24`, as numbers. */
export interface Cidr {
  address: number;
  prefix: number;
}

/** `10.10.31.11` → 168435467; null when not a dotted quad. */
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

/** `192.168.31.101/24` → {address, prefix}; a bare address counts as /32; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, prefix, ...rest] = text.split('/');
  if (addr === undefined || rest.length > 0) return null;
  const address = parseIpv4(addr);
  const p = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (address === null || !(p >= 0 && p <= 32)) return null;
  return { address, prefix: p };
}

/** The netmask of a prefix length as a number (/24 → 0xffffff00). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** True when `address` lies in the subnet of `cidr`. */
export function inSubnet(address: number, cidr: Cidr): boolean {
  const mask = prefixMask(cidr.prefix);
  return (address & mask) >>> 0 === (cidr.address & mask) >>> 0;
}

/** `192.168.31.101/24` → `192.168.31.0/24`. */
export function formatSubnet(cidr: Cidr): string {
  return `${formatIpv4((cidr.address & prefixMask(cidr.prefix)) >>> 0)}/${cidr.prefix}`;
}

/** 168435467 → `10.10.31.11`. */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Prefix length of a contiguous dotted netmask (`255.255.255.0` → 24); null when not contiguous or malformed. */
export function netmaskPrefix(mask: string): number | null {
  const n = parseIpv4(mask);
  if (n === null) return null;
  for (let p = 0; p <= 32; p++) if (prefixMask(p) === n) return p;
  return null;
}

/** The address part of `a.b.c.d/nn` (or the address itself). */
export function hostPart(text: string): string {
  return text.split('/')[0] ?? text;
}
