/**
 * The order `ipvsadm -S` (1.31) lists services and destinations in: libipvs sorts both with qsort and
 * `ipvs_cmp_services` / `ipvs_cmp_dests` (ipvsadm-1.31/libipvs/libipvs.c). Those comparators subtract
 * unsigned 32-bit values and return the difference as a C `int`, so addresses more than 2^31 apart compare
 * "wrapped" (10.x sorts after 192.168.x). We reproduce that arithmetic and glibc's qsort, which is a
 * stable top-down merge sort (glibc msort.c `msort_with_tmp`).
 */
import { parseIpv4 } from '../lib/address.js';

/** The fields the service comparator reads. */
export interface ServiceSortKey {
  fwmark: number;
  /** IP protocol number: 6 tcp, 17 udp, 132 sctp; fwmark services carry 6 (ipvsadm sets IPPROTO_TCP). */
  protocol: number;
  /** Dotted IPv4 address; `0.0.0.0` for fwmark services. */
  address: string;
  port: number;
}

/** The fields the destination comparator reads. */
export interface DestSortKey {
  address: string;
  port: number;
}

/** C's `(int)(a - b)` for two unsigned 32-bit values. */
function wrappedDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function ipv4Value(address: string): number {
  return parseIpv4(address) ?? 0;
}

/** ipvs_cmp_services (IPv4 only: af is equal). */
export function compareServices(a: ServiceSortKey, b: ServiceSortKey): number {
  return (
    wrappedDiff(a.fwmark, b.fwmark) ||
    a.protocol - b.protocol ||
    wrappedDiff(ipv4Value(a.address), ipv4Value(b.address)) ||
    a.port - b.port
  );
}

/** ipvs_cmp_dests (IPv4 only). */
export function compareDests(a: DestSortKey, b: DestSortKey): number {
  return wrappedDiff(ipv4Value(a.address), ipv4Value(b.address)) || a.port - b.port;
}

/** glibc's qsort: top-down merge sort taking the left element when the comparator returns <= 0. */
export function sortLikeGlibc<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  if (items.length <= 1) return [...items];
  const n1 = Math.floor(items.length / 2);
  const left = sortLikeGlibc(items.slice(0, n1), cmp);
  const right = sortLikeGlibc(items.slice(n1), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    // Non-null: both indices are in range inside the loop.
    if (cmp(left[i]!, right[j]!) <= 0) out.push(left[i++]!);
    else out.push(right[j++]!);
  }
  return out.concat(left.slice(i), right.slice(j));
}
