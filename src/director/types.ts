/**
 * The resolved director: everything a consumer needs to know about one director of a spec, every default
 * applied and every cross-reference followed, in one pure JSON-serializable value. The build plan carries one
 * per director (src/plan.ts); render views, boot-test expectations, lab plans and diff states are projections of
 * it. Built by `resolveDirector` (src/director/resolve.ts).
 */
import type { CidrForms } from '../lib/address.js';
import type { DirectorMode, EffectiveCheck } from '../spec/health-check.js';
import type { InterfaceRole, ProgramPins } from '../spec/types.js';
import type { VrrpTimers } from '../spec/vrrp.js';
import type { IpvsDest, IpvsService } from './ipvs-table.js';
import type { IpvsadmDialect } from './ipvsadm-rules.js';
import type { IptablesTable } from './netfilter.js';

/** One NIC with its own address in every printed form (address, prefix, cidr, netmask, network, broadcast). */
export interface ModelInterface extends CidrForms {
  name: string;
  role: InterfaceRole;
  /** Lowercase MAC, or null when the spec gives none. */
  mac: string | null;
  /** The default gateway, on the one interface that carries the default route; else null. */
  gateway: string | null;
  /** Seconds /init waits for its carrier after `ip link set up` (0: not waited for). */
  carrierWait: number;
}

/** An address on an interface beside its own. */
export interface ModelAddress {
  /** Dotted, no prefix. */
  address: string;
  interface: string;
  /** Alias label such as `eth0:100`, or null. */
  label: string | null;
}

/** A VIP: the director's own (added at boot) or, `floating`, a pair's (added by keepalived while master). */
export interface ModelVip extends ModelAddress {
  floating: boolean;
}

/** A virtual service with what keepalived needs beyond ipvsadm's table: each member's check and the sorry server. */
export interface ModelService extends IpvsService {
  /** The effective health check of each destination (same order as `dests`), null when it has none. */
  checks: (EffectiveCheck | null)[];
  /** The sorry server keepalived puts in while no member is up (weight 1), or null. */
  sorry: IpvsDest | null;
}

/** The IPVS table and the ipvsadm release that lists it. */
export interface ModelIpvs {
  /** The spec's ipvsadm version and the save format it prints (sort order, `--tun-type`). */
  ipvsadm: { version: string; dialect: IpvsadmDialect };
  services: ModelService[];
  /** `ipvsadm -Sn` of the table in that dialect, one line each (/etc/ipvsadm.rules). */
  rules: string[];
  /** `-e` lines of the connection thresholds (/etc/ipvsadm.thresholds); empty when none is set. */
  thresholds: string[];
}

/** Operator access (spec.access) as this director serves it. */
export interface ModelAccess {
  /** Remote syslog (UDP); /init waits for the next hop towards `host` before klogd starts. */
  syslog: { host: string; port: number } | null;
  /** No remote syslog, but daemons that log (keepalived, dropbear, ntpd): syslogd keeps their lines in memory. */
  localSyslog: boolean;
  /** busybox httpd serving the metrics CGI, on the inside address. */
  metrics: { address: string; port: number } | null;
  /** dropbear: where it listens (each interface of a listen role), its host key path, root's keys. */
  ssh: { listen: { address: string; port: number }[]; hostKey: string; authorizedKeys: string[] } | null;
  /** busybox ntpd's servers. */
  ntp: { servers: string[] } | null;
}

/** One VRRP instance of a pair member (one per interface carrying floating addresses). */
export interface ModelVrrpInstance {
  /** `<pair>_<interface>`, the name keepalived logs (`(dsas_eth0) Entering MASTER STATE`). */
  name: string;
  interface: string;
  vrid: number;
  /** The floating addresses, with the label this director's VIP list gives each. */
  addresses: ModelAddress[];
  /** This member's own address on the interface (unicast source), null when it has no such interface. */
  ownAddress: string | null;
  /** The other members' own addresses on the interface (unicast peers). */
  peers: string[];
}

/** The VRRP pair this director belongs to, from its side. */
export interface ModelPair {
  name: string;
  /** Member hostnames in the pair's order (the first is the preferred master by default). */
  members: string[];
  /** This member's priority and the timers RFC 5798 derives from it. */
  timers: VrrpTimers;
  /** 2 for whole-second adverts, 3 for fractional ones. */
  vrrpVersion: 2 | 3;
  preempt: boolean;
  /** Seconds a returning higher-priority member waits before it takes over (0: none). */
  preemptDelay: number;
  /** Adverts to the members' addresses instead of the multicast group. */
  unicast: boolean;
  /** The IPVS sync daemon: its interface, the instance it follows, its sync id, its resync period (0: packets). */
  connectionSync: { interface: string; instance: string; syncId: number; refreshPeriodS: number } | null;
  instances: ModelVrrpInstance[];
}

/** A daemon /init starts and supervises, in start order (names only; the runtime table says how). */
export type DaemonName = 'watchdog' | 'syslogd' | 'klogd' | 'ntpd' | 'dropbear' | 'keepalived' | 'httpd';

/** One resolved director. */
export interface DirectorModel {
  site: string;
  hostname: string;
  /** Who writes the IPVS table: /init from the ipvsadm rules, or keepalived (health checks, pairs). */
  mode: DirectorMode;
  interfaces: ModelInterface[];
  defaultRoute: { via: string; dev: string } | null;
  /** Every VIP of the spec's list, in its order; a pair's floating ones are marked. */
  vips: ModelVip[];
  ipvs: ModelIpvs;
  /** iptables-restore tables (fwmark MARK rules, the spec's rules); empty when none is needed. */
  netfilter: IptablesTable[];
  /** sysctl keys and values, `net.ipv4.ip_forward = 1` first. */
  sysctls: { key: string; value: string }[];
  access: ModelAccess;
  pair: ModelPair | null;
  daemons: DaemonName[];
  /** Program versions this director runs (ipvsadm, then each program of the table); null where it runs none. */
  programs: { ipvsadm: string } & Record<keyof ProgramPins, string | null>;
  /** What the ready line counts when every rule loaded. */
  counts: { services: number; realServers: number };
  /** Kernel modules /init loads, in order; empty when IPVS is built in. */
  modules: string[];
  /**
   * NIC driver modules the image carries for /init to load by modalias (coldplug): the selected families'
   * drivers that are not built in (every selected one for a prebuilt kernel); empty when all are built in.
   */
  coldplug: string[];
  /** The kernel command line, one line. */
  cmdline: string;
  /** The watchdog feeder's timing (hardware.watchdog), null when the spec runs none. */
  watchdog: ModelWatchdog | null;
}

/** How the watchdog feeder runs: the device reboots the machine `timeoutS` after the last feed, fed every `feedS`. */
export interface ModelWatchdog {
  timeoutS: number;
  feedS: number;
}
