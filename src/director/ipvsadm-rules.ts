/**
 * `/etc/ipvsadm.rules`: exactly what `ipvsadm -Sn` prints for the table, so `ipvsadm -R` reads it back and
 * a booted director's listing can be compared byte for byte. Formats follow ipvsadm-1.31/ipvsadm.c
 * `print_service_entry` and `print_tunnel_rule` with FMT_RULE set.
 */
import type { Forwarding, Protocol } from '../spec/types.js';
import { compareDests, compareServices, sortLikeGlibc } from './ipvsadm-order.js';
import type { IpvsDest, IpvsService } from './ipvs-table.js';
import { formatIpv4, parseIpv4 } from '../lib/address.js';

/** How one ipvsadm release prints its save format. */
export interface IpvsadmDialect {
  /** 1.31 sorts services and destinations unless `--nosort`; 1.24 lists them in kernel order. */
  sorted: boolean;
  /** 1.31 appends `--tun-type ipip` to tunnel destinations (tun_type 0 is IPIP). */
  tunnelType: boolean;
}

/** Save-format differences per ipvsadm release. */
export const IPVSADM_DIALECTS: Readonly<Record<string, IpvsadmDialect>> = {
  '1.24': { sorted: false, tunnelType: false },
  '1.31': { sorted: true, tunnelType: true },
};

/** The dialect of an ipvsadm release; releases newer than the table print like 1.31 (the save format is stable). */
export function ipvsadmDialect(version: string): IpvsadmDialect {
  return IPVSADM_DIALECTS[version] ?? { sorted: true, tunnelType: true };
}

/** The service switch of the save format (`option_from_protocol`). */
const SERVICE_SWITCH: Record<Exclude<Protocol, 'fwmark'>, string> = {
  tcp: '-t',
  udp: '-u',
  sctp: '--sctp-service',
};

/** IP protocol numbers the service comparator orders by; fwmark services are stored as TCP. */
const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132, fwmark: 6 };

/** `fwd_switch`: the forwarding option printed for a destination. */
const FORWARDING_SWITCH: Record<Forwarding, string> = { masq: '-m', gate: '-g', ipip: '-i' };

/** `print_sched_flags`: names of scheduler flag bits 1..3, per scheduler (others print flag-N). */
const SCHED_FLAG_NAMES: Record<string, readonly (string | null)[]> = {
  sh: ['sh-fallback', 'sh-port', null],
  mh: ['mh-fallback', 'mh-port', null],
};
const GENERIC_FLAG_NAMES = ['flag-1', 'flag-2', 'flag-3'] as const;
/** Which flag bit (0-based) each spec flag sets (ip_vs.h IP_VS_SVC_F_SCHED_*). */
const FLAG_BIT: Record<string, number> = { 'sh-fallback': 0, 'sh-port': 1, 'mh-fallback': 0, 'mh-port': 1 };

/** The `<svc>` words of a service: `-t 10.10.31.100:80` or `-f 1`. */
export function serviceSwitch(svc: IpvsService): string {
  if (svc.protocol === 'fwmark') return `-f ${svc.fwmark}`;
  return `${SERVICE_SWITCH[svc.protocol]} ${svc.vip}:${svc.port}`;
}

function schedulerFlagsText(svc: IpvsService): string {
  const bits = new Set(svc.schedulerFlags.map((f) => FLAG_BIT[f]).filter((b) => b !== undefined));
  const names = SCHED_FLAG_NAMES[svc.scheduler] ?? GENERIC_FLAG_NAMES;
  return names.filter((name, bit) => name !== null && bits.has(bit)).join(',');
}

/** The `-A` line of a service. */
export function formatServiceLine(svc: IpvsService): string {
  let line = `-A ${serviceSwitch(svc)} -s ${svc.scheduler}`;
  if (svc.persistenceTimeout !== null) {
    line += ` -p ${svc.persistenceTimeout}`;
    const mask = formatIpv4(parseIpv4(svc.persistenceNetmask) ?? 0xffffffff);
    if (mask !== '255.255.255.255') line += ` -M ${mask}`;
  }
  if (svc.persistenceEngine !== null) line += ` --pe ${svc.persistenceEngine}`;
  if (svc.onePacket) line += ' -o';
  // ipvsadm prints " -b " whenever a flag bit is set, even if the scheduler has no name for it.
  if (svc.schedulerFlags.length > 0) line += ` -b ${schedulerFlagsText(svc)}`;
  return line;
}

/** The `-a` line of one destination. */
export function formatDestLine(svc: IpvsService, dest: IpvsDest, dialect: IpvsadmDialect): string {
  const line = `-a ${serviceSwitch(svc)} -r ${dest.address}:${dest.port} ${FORWARDING_SWITCH[dest.forwarding]} -w ${dest.weight}`;
  return dest.forwarding === 'ipip' && dialect.tunnelType ? `${line} --tun-type ipip` : line;
}

function sortKey(svc: IpvsService): { fwmark: number; protocol: number; address: string; port: number } {
  return { fwmark: svc.fwmark, protocol: PROTOCOL_NUMBER[svc.protocol], address: svc.vip, port: svc.port };
}

/** The whole save file (`ipvsadm -Sn` output), one line per service and destination, newline-terminated. */
export function formatIpvsadmRules(table: readonly IpvsService[], dialect: IpvsadmDialect): string {
  const services = dialect.sorted
    ? sortLikeGlibc(table, (a, b) => compareServices(sortKey(a), sortKey(b)))
    : table;
  const lines: string[] = [];
  for (const svc of services) {
    lines.push(formatServiceLine(svc));
    const dests = dialect.sorted ? sortLikeGlibc(svc.dests, compareDests) : svc.dests;
    for (const dest of dests) lines.push(formatDestLine(svc, dest, dialect));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * `/etc/ipvsadm.thresholds`: `-e` lines (restore format) setting upper/lower connection thresholds, which
 * `ipvsadm -Sn` never prints; empty when no destination has one. Applied after the rules with `ipvsadm -R`.
 */
export function formatIpvsadmThresholds(table: readonly IpvsService[], dialect: IpvsadmDialect): string {
  const lines: string[] = [];
  for (const svc of table) {
    for (const dest of svc.dests) {
      if (dest.upperThreshold === null && dest.lowerThreshold === null) continue;
      const edit = formatDestLine(svc, dest, dialect).replace(/^-a /, '-e ');
      lines.push(`${edit} -x ${dest.upperThreshold ?? 0} -y ${dest.lowerThreshold ?? 0}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}
