/**
 * The lab plan's types: the topology (bridges, hosts), the N directors it boots (a lone director is N=1, a pair
 * N=2), and the scenarios it runs as data (a change, what must follow, the bound). Imports nothing of the lab, so
 * every lab module can use them without an import circle.
 */
import type { DirectorMode } from '../../spec/health-check.js';

/** A bridge of the hub namespace: one per interface of the first member (= one per subnet). */
export interface LabBridge {
  bridge: string;
  /** The tap QEMU attaches the first member's NIC to. */
  tap: string;
  /** Director interface name, MAC and `address/prefix`. */
  iface: string;
  mac?: string;
  cidr: string;
}

/** A namespace hanging off a bridge through a veth pair. */
export interface LabHost {
  ns: string;
  /** The veth end inside the namespace (named eth0 there) and its peer on the hub's bridge. */
  peer: string;
  bridge: string;
  cidr: string;
  /** More addresses on the same interface (the ops host answering as several servers). */
  extraCidrs?: string[];
  /** Default gateway inside the lab (the director for NAT); absent: only the connected subnet. */
  gateway?: string;
  /**
   * An IPv6 address (ULA) too. The boot host has one: serve advertises its prefix (`--ipv6-ra`), or the guest's
   * iPXE waits about 13 s for IPv6 autoconfiguration before it boots.
   */
  cidr6?: string;
}

/** A real server of the lab: its host namespace and what its HTTP server answers. */
export interface LabRealServer extends LabHost {
  name: string;
  port: number;
  host?: string;
  body: string;
  /** VIPs it holds on lo for direct routing (with arp_ignore/arp_announce so only the director answers ARP). */
  loopbackVips: string[];
}

/**
 * The operator's side of `access`: a host on the inside network (at the syslog address when there is one) that
 * receives the director's syslog and scrapes its metrics; and what the client's port scan may find open.
 */
export interface LabOps {
  host: LabHost;
  syslog?: { address: string; port: number };
  metrics?: { url: string };
  /** access.ntp: the servers the ops host answers as (on its subnet), and those the lab cannot serve. */
  ntp?: { served: string[]; elsewhere: string[] };
  /** access.ssh: where the director's SSH server listens. */
  ssh?: { hostname: string; listen: { address: string; port: number }[] };
  /** Director addresses the client scans (outside address, VIPs) and the TCP (and UDP) ports each may have open. */
  scan: { address: string; open: number[]; openUdp?: number[] }[];
}

/** A director the lab boots: its taps (one per bridge, in its NIC order) and what the checks need to know of it. */
export interface LabMember {
  hostname: string;
  nics: { bridge: string; tap: string; iface: string; mac?: string }[];
  /** MAC of its NIC on the client's bridge (ARP answers for the VIP come from it). */
  outsideMac?: string;
  /** Its own address on the inside interface (where its syslog datagrams come from); bare. */
  inside?: string;
  /** access.metrics: its metrics URL on its inside address (the lab's ops host scrapes it). */
  metricsUrl?: string;
  /** Pair members: the VRRP facts the bounds come from. */
  vrrp?: {
    priority: number;
    /** 3 x advert + (256 - priority) x advert / 256: how long it waits for a master before it takes over. */
    masterDownS: number;
    /** keepalived's wait before VRRP runs (`startupDelay`): a booting member takes over no sooner. */
    startupS: number;
    /** (256 - priority) x advert / 256: the wait after a master's priority-0 advert (clean stop). */
    skewS: number;
  };
}

/** The pair the members form (N=2). */
export interface LabPair {
  name: string;
  preempt: boolean;
  preemptDelayS: number;
  /** keepalived's instance names, e.g. dsas_eth0; the first one's MASTER lines time the takeovers. */
  instances: string[];
  /** The addresses VRRP moves (every instance's), bare. */
  floating: string[];
}

/** What a scenario changes. Members and servers by name. */
export type LabChange =
  | { kind: 'load-rules'; rules: string }
  | { kind: 'stop-server'; server: string }
  | { kind: 'start-server'; server: string }
  | { kind: 'failing-server'; server: string; status: number }
  | { kind: 'kill-member'; member: string }
  | { kind: 'boot-member'; member: string }
  | { kind: 'stop-keepalived'; member: string };

/** What must follow a change. */
export type LabExpectation =
  /** Rules mode: once loaded, `ipvsadm -Sn` reads `table` (and `-Ln` lists `weightZero` with weight 0). */
  | { kind: 'rules'; table: string; weightZero?: string }
  /** keepalived mode: its health checks bring the table to `table` (polled). */
  | { kind: 'table'; table: string }
  /** A pair: `member` enters MASTER state. */
  | { kind: 'master'; member: string }
  /** A pair: nobody takes over for `waitS`; `member` keeps the addresses. */
  | { kind: 'stays'; member: string; waitS: number };

/** A check to run once a scenario's expectation is met (registry names; the pair's state after the change). */
export interface FollowUp {
  check: 'arp-owner' | 'vip-held' | 'master-logged';
  label: string;
  /** The member that must hold the floating addresses (and log its MASTER line). */
  holder: string;
  /** The members running after the change. */
  living: string[];
}

/** One scenario: a change, what must follow it and within what bound, and under what traffic. */
export interface Scenario {
  name: string;
  change: LabChange;
  expect: LabExpectation;
  /** Seconds from `from` to the expectation (checked with the runner's one slack); absent: not timed. */
  boundS?: number;
  /** Where the bound starts: the change itself (default) or the changed member's ready line. */
  from?: 'change' | 'ready';
  /** `loop`: a request loop across the change; `stream`: and a long GET opened first (chunks 100 ms apart). */
  traffic: { loop: boolean; streamChunks?: number };
  /**
   * How to count the loop's failures: `seen` (none may fail once the expectation is seen) or `answered` (none
   * once the client was answered again after it: a takeover's ARP and routes settle first).
   */
  recovery: 'seen' | 'answered';
  /** Only these real servers may answer afterwards (`requests` requests). */
  answering?: string[];
  then?: FollowUp[];
}

/** The lab: topology, the N members, the IPVS table they must hold and the scenarios. */
export interface LabPlan {
  /** The first member's hostname (console logs, messages). */
  hostname: string;
  hub: string;
  bridges: LabBridge[];
  realServers: LabRealServer[];
  client: LabHost;
  /** Where `lvs-image serve` runs for a PXE boot: a host on the director's boot (inside) subnet. */
  boot: LabHost & { bootIface: string; range: [string, string] };
  /** MAC of the director NIC carrying the target VIP, when the spec gives it: tells replies through it apart. */
  directorMac?: string;
  /** How replies to the target service travel, when all its lab members agree: via the director (NAT) or not. */
  replyPath?: 'masq' | 'direct';
  /** What the client asks: the first tcp service of the director. */
  target: { vip: string; port: number; host?: string };
  /** Who writes the IPVS table. */
  mode: DirectorMode;
  /** When the spec has `access`: the operator's host on the inside network and what the lab checks there. */
  ops?: LabOps;
  members: LabMember[];
  pair?: LabPair;
  /** The whole IPVS table with every real server healthy, as the spec's ipvsadm prints it (`ipvsadm -Sn`). */
  healthyTable: string;
  scenarios: Scenario[];
}
