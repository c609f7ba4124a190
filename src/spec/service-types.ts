/**
 * The spec's IPVS part (virtual services, their members and health checks, real servers) and netfilter rules, as
 * users write them; re-exported by src/spec/types.ts, whose header says how they relate to the schema.
 */

export type Protocol = 'tcp' | 'udp' | 'sctp' | 'fwmark';
export type Scheduler =
  'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'dh' | 'sh' | 'sed' | 'nq' | 'fo' | 'ovf' | 'mh' | 'twos';
export type SchedulerFlag = 'sh-fallback' | 'sh-port' | 'mh-fallback' | 'mh-port';
export type Forwarding = 'masq' | 'gate' | 'ipip';

/** An IPVS virtual service. tcp/udp/sctp take vip + port; fwmark takes fwmark. */
export interface VirtualService {
  protocol: Protocol;
  vip?: string;
  port?: number;
  fwmark?: number;
  /** Scheduler; ipvsadm's default is `wlc`. */
  scheduler?: Scheduler;
  persistence?: Persistence;
  schedulerFlags?: SchedulerFlag[];
  /** Persistence engine (`--pe`), kernel ≥ 2.6.37. */
  persistenceEngine?: 'sip';
  /** One-packet scheduling (`-o`, UDP only). */
  onePacket?: boolean;
  /** Health check of every member (keepalived); a member may override it. */
  healthCheck?: HealthCheck;
  /** Added when no member is alive (keepalived's `sorry_server`). */
  sorryServer?: SorryServer;
  realServers: ServiceRealServer[];
}

export type HealthCheckType = 'http' | 'tcp' | 'none';
export type OnFailure = 'quiesce' | 'remove';

/** How keepalived checks a real server and what a failure does. Times are seconds (decimals allowed). */
export interface HealthCheck {
  /** `http` (HTTP GET, tcp services only), `tcp` (connect) or `none` (no check: always in the table). */
  type: HealthCheckType;
  /** Port checked; default: the member's port (required for fwmark services). */
  port?: number;
  /** http: the path requested; default `/`. */
  path?: string;
  /** http: Host header; default none (the real server's address). */
  host?: string;
  /** http: the expected status; default 200. */
  status?: number;
  /** Seconds between checks (keepalived `delay_loop`); default 5. */
  interval?: number;
  /** Seconds a check may take (`connect_timeout`); default 3; must be less than interval. */
  timeout?: number;
  /** Failed checks in a row before the member is taken out (`retry`); default 3. */
  retries?: number;
  /** Seconds between those retries (`delay_before_retry`); default 1. */
  retryDelay?: number;
  /** `quiesce`: weight 0, open connections go on (`inhibit_on_failure`, default); `remove`: out of the table. */
  onFailure?: OnFailure;
}

/** The server that takes the traffic when no member is alive. */
export interface SorryServer {
  /** Name of an entry in `realServers` (not a member of this service). */
  server: string;
  /** Port on the sorry server; default the service port. */
  port?: number;
  /** Forwarding to it; default the members' (or `masq`). */
  forwarding?: Forwarding;
}

/** Persistent service settings (`-p`, `-M`). */
export interface Persistence {
  /** Seconds; ipvsadm's default is 360. */
  timeout?: number;
  /** Persistence granularity, dotted netmask; default 255.255.255.255. */
  netmask?: string;
}

/** A real server's membership in one virtual service. */
export interface ServiceRealServer {
  /** Name of an entry in `realServers`. */
  server: string;
  /** Port on the real server; DR/TUN must equal the service port (defaults to it). */
  port?: number;
  /** `masq` (NAT, -m), `gate` (direct routing, -g, ipvsadm's default), `ipip` (tunnel, -i). */
  forwarding?: Forwarding;
  /** 0..65535, default 1; 0 quiesces the server. */
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  /** Overrides fields of the service's health check for this member (`type: none` turns it off). */
  healthCheck?: Partial<HealthCheck>;
}

/** A real server, described once for its companion config (and for the lab). */
export interface RealServer {
  name: string;
  /** Address with prefix length, e.g. `192.168.31.101/24`. */
  address: string;
  /** Interface name on the real server; default `eth0`. */
  interface?: string;
  /** Default gateway; for NAT it defaults to the director's inside address on this subnet. */
  gateway?: string;
  /** What the lab runs on it. */
  lab?: RealServerLab;
}

/** Test service the lab runs on a real server namespace. */
export interface RealServerLab {
  /** HTTP port; default 80. */
  port?: number;
  /** Virtual host answered; default any. */
  host?: string;
  /** Response body, e.g. `w101 nano`. */
  body: string;
}

/** Netfilter rules applied on the director with iptables-restore. */
export interface Netfilter {
  /** Firewall marks for fwmark services (rendered as mangle PREROUTING MARK rules). */
  marks?: FirewallMark[];
  /** Free-form rules: table, chain and the rule's match/target words. */
  rules?: NetfilterRule[];
}

export interface FirewallMark {
  mark: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Destination address (usually a VIP). */
  destination: string;
  ports: number[];
}

export interface NetfilterRule {
  table: 'filter' | 'nat' | 'mangle' | 'raw';
  chain: string;
  /** iptables words after `-A CHAIN`, e.g. `-p tcp --dport 22 -j ACCEPT`. */
  rule: string;
}
