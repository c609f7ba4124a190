/**
 * The view model every director template reads: plain, precomputed values so templates only print. A projection
 * of the director model (src/director/), JSON-serializable so it can sit in the build plan.
 */
import { findKeepalivedRelease } from '../../packages/keepalived.js';
import type { DirectorMode } from '../../spec/health-check.js';
import type { DirectorModel, ModelVip } from '../../director/types.js';
import type { IptablesTable } from '../../director/netfilter.js';
import { formatKeepalivedConf } from './keepalived-conf.js';

/** One director interface with its address in every form the files need. */
export interface InterfaceView {
  name: string;
  /** Lowercase MAC or null. */
  mac: string | null;
  /** `10.10.31.11/24` */
  cidr: string;
  address: string;
  netmask: string;
  network: string;
  broadcast: string;
  /** The default gateway, set on the one interface that carries the default route. */
  gateway: string | null;
  /** VIPs on this interface without a label, as `a.b.c.d/32`. */
  unlabeledVips: string[];
  /** Seconds /init waits for its carrier (0: not waited for). */
  carrierWait: number;
}

/** A VIP alias. */
export interface VipView {
  address: string;
  /** `a.b.c.d/32` */
  cidr: string;
  interface: string;
  /** Alias label such as `eth0:100`, or null. */
  label: string | null;
}

/** Everything the director templates print. */
export interface DirectorView {
  hostname: string;
  interfaces: InterfaceView[];
  /** Interfaces the spec gives a MAC for, renamed by MAC at boot; `tmp` is a free temporary name. */
  macBindings: { mac: string; name: string; tmp: string }[];
  defaultRoute: { via: string; dev: string } | null;
  /** VIPs /init (or ifupdown) adds; a pair's floating addresses are keepalived's and not among them. */
  vips: VipView[];
  /** Addresses keepalived adds while this director is the pair's master. */
  floatingVips: VipView[];
  labeledVips: VipView[];
  sysctls: { key: string; value: string }[];
  /** iptables-restore tables, null when the spec needs no netfilter rules. */
  iptables: IptablesTable[] | null;
  /** Lines of /etc/ipvsadm.rules (the `ipvsadm -Sn` listing). */
  ipvsadmRules: string[];
  /** Lines of /etc/ipvsadm.thresholds, empty when no destination has thresholds. */
  ipvsadmThresholds: string[];
  /** Who writes the IPVS table: /init from the ipvsadm rules, or keepalived. */
  mode: DirectorMode;
  /** Lines of /etc/keepalived/keepalived.conf (keepalived mode), else null. */
  keepalivedConf: string[] | null;
  /**
   * A member of a VRRP pair: keepalived runs with --dont-release-ipvs, so a stop leaves the IPVS table in place
   * while its VRRP side hands the VIPs over (see src/runtime/daemons.ts).
   */
  pairMember: boolean;
  /** Whether /init runs daemons (keepalived or any of access): it then defines `supervise`, which restarts them. */
  supervised: boolean;
  /** Counts the ready line should show when every rule loaded. */
  expected: { services: number; realServers: number };
  /** Operator access (spec.access): the remote syslog `host:port`, where the metrics and SSH servers listen. */
  access: {
    /** syslogd's `-R` target (`host:port`) and the bare host, whose next hop /init waits for before klogd starts. */
    syslog: { target: string; host: string } | null;
    /** No remote syslog, but daemons that log (keepalived, dropbear, ntpd): syslogd keeps their lines in memory. */
    localSyslog: boolean;
    metrics: { listen: string } | null;
    ssh: SshView | null;
    /** busybox ntpd's servers (access.ntp), or null. */
    ntp: { servers: string[] } | null;
  };
}

/** dropbear on a director: where it listens, its host key in the image, the keys root logs in with. */
export interface SshView {
  /** `address:port` words for dropbear -p. */
  listen: string[];
  hostKey: string;
  authorizedKeys: string[];
}

function vipView(v: ModelVip): VipView {
  return { address: v.address, cidr: `${v.address}/32`, interface: v.interface, label: v.label };
}

/** Builds the view model of one director from its model. */
export function makeDirectorView(model: DirectorModel): DirectorView {
  const vips = model.vips.filter((v) => !v.floating).map(vipView);
  const interfaces: InterfaceView[] = model.interfaces.map((ifc) => ({
    name: ifc.name,
    mac: ifc.mac,
    cidr: ifc.cidr,
    address: ifc.address,
    netmask: ifc.netmask,
    network: ifc.network,
    broadcast: ifc.broadcast,
    gateway: ifc.gateway,
    unlabeledVips: vips.filter((v) => v.interface === ifc.name && v.label === null).map((v) => v.cidr),
    carrierWait: ifc.carrierWait,
  }));
  const access = accessView(model);
  const keepalivedConf =
    model.mode === 'keepalived'
      ? formatKeepalivedConf(
          model,
          findKeepalivedRelease(model.programs.keepalived ?? '', '/keepalived/version'),
        )
      : null;
  return {
    hostname: model.hostname,
    interfaces,
    macBindings: interfaces.flatMap((ifc, i) =>
      ifc.mac === null ? [] : [{ mac: ifc.mac, name: ifc.name, tmp: `lvstmp${i}` }],
    ),
    defaultRoute: model.defaultRoute,
    vips,
    floatingVips: model.vips.filter((v) => v.floating).map(vipView),
    labeledVips: vips.filter((v) => v.label !== null),
    sysctls: model.sysctls,
    iptables: model.netfilter.length > 0 ? model.netfilter : null,
    ipvsadmRules: model.ipvs.rules,
    ipvsadmThresholds: model.ipvs.thresholds,
    mode: model.mode,
    keepalivedConf,
    pairMember: model.pair !== null,
    supervised: model.daemons.length > 0,
    expected: model.counts,
    access,
  };
}

function accessView(model: DirectorModel): DirectorView['access'] {
  const { syslog, localSyslog, ntp, ssh, metrics } = model.access;
  return {
    syslog: syslog === null ? null : { target: `${syslog.host}:${syslog.port}`, host: syslog.host },
    localSyslog,
    ntp,
    ssh:
      ssh === null
        ? null
        : {
            listen: ssh.listen.map((l) => `${l.address}:${l.port}`),
            hostKey: ssh.hostKey,
            authorizedKeys: ssh.authorizedKeys,
          },
    metrics: metrics === null ? null : { listen: `${metrics.address}:${metrics.port}` },
  };
}
