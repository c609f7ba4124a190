/**
 * The view model every director template reads: plain, precomputed values so templates only print.
 * Built by a pure function from the spec; JSON-serializable so it can sit in the build plan.
 */
import { DROPBEAR_CATALOG } from '../../packages/dropbear.js';
import { findKeepalivedRelease } from '../../packages/keepalived.js';
import { directorMode, pairOf, type DirectorMode } from '../../spec/health-check.js';
import type { Director, Spec } from '../../spec/types.js';
import { parseCidr } from './ipv4.js';
import { formatIptablesTables, type IptablesTable } from './iptables-rules.js';
import { formatIpvsadmRules, formatIpvsadmThresholds } from './ipvsadm-rules.js';
import { formatKeepalivedConf } from './keepalived-conf.js';
import { bareAddress, resolveIpvsTable } from './ipvs-table.js';
import { checkName } from './names.js';

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
   * while its VRRP side hands the VIPs over (see templates/director/init.hbs).
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

/** The default port of the metrics server (the Prometheus node exporter's, which operators already allow). */
export const METRICS_PORT = 9100;

/** The default remote syslog port (UDP). */
export const SYSLOG_PORT = 514;

/** access.syslog (`host` or `host:port`, checked by the schema) as its host and port. Pure. */
export function syslogTarget(value: string): { host: string; port: number } {
  const [host = value, port] = value.split(':');
  return { host, port: port !== undefined ? Number(port) : SYSLOG_PORT };
}

/** The default SSH port. */
export const SSH_PORT = 22;

/** Where a director's SSH host key sits in its image (dropbear's default name for the type). */
export function sshHostKeyPath(type: string): string {
  return `/etc/dropbear/dropbear_${type}_host_key`;
}

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Builds the view model of one director (index `d` in `spec.directors`). */
export function makeDirectorView(spec: Spec, director: Director): DirectorView {
  const d = spec.directors.indexOf(director);
  const at = `/directors/${d < 0 ? 0 : d}`;
  const routeIndex = director.interfaces.findIndex((i) => i.gateway !== undefined && i.gateway !== '');
  const floating = new Set(
    (spec.pairs ?? [])
      .filter((p) => p.directors.includes(director.hostname))
      .flatMap((p) => p.instances.flatMap((i) => i.addresses)),
  );
  const allVips: VipView[] = (director.vips ?? []).map((vip, v) => ({
    address: bareAddress(vip.address),
    cidr: `${bareAddress(vip.address)}/32`,
    interface: checkName('interface', vip.interface, `${at}/vips/${v}/interface`),
    label: vip.label === undefined ? null : checkName('interface', vip.label, `${at}/vips/${v}/label`),
  }));
  const vips = allVips.filter((v) => !floating.has(v.address));
  const interfaces: InterfaceView[] = director.interfaces.map((ifc, i) => {
    const net = parseCidr(ifc.address);
    const name = checkName('interface', ifc.name, `${at}/interfaces/${i}/name`);
    return {
      name,
      mac:
        ifc.mac === undefined ? null : checkName('mac', ifc.mac.toLowerCase(), `${at}/interfaces/${i}/mac`),
      cidr: `${net.address}/${net.prefix}`,
      address: net.address,
      netmask: net.netmask,
      network: net.network,
      broadcast: net.broadcast,
      gateway: i === routeIndex ? bareAddress(ifc.gateway ?? '') : null,
      unlabeledVips: vips.filter((v) => v.interface === name && v.label === null).map((v) => v.cidr),
    };
  });
  const route = interfaces[routeIndex];
  const table = resolveIpvsTable(director, spec.realServers);
  const sysctls = Object.entries(director.sysctls ?? {})
    .filter(([key]) => key !== 'net.ipv4.ip_forward')
    .map(([key, value]) => ({ key, value: String(value) }));
  const iptables = formatIptablesTables(director.netfilter);
  const mode = directorMode(spec, director);
  const pair = pairOf(spec, director);
  const members = spec.directors.filter((m) => pair?.directors.includes(m.hostname) === true);
  const access = accessView(spec, director, mode);
  const keepalivedConf =
    mode === 'keepalived'
      ? formatKeepalivedConf(
          director,
          spec.realServers,
          findKeepalivedRelease(spec.keepalived?.version ?? '', '/keepalived/version'),
          spec.name,
          pair !== undefined ? { pair, members } : undefined,
        )
      : null;
  return {
    hostname: checkName('hostname', director.hostname, `${at}/hostname`),
    interfaces,
    macBindings: interfaces.flatMap((ifc, i) =>
      ifc.mac === null ? [] : [{ mac: ifc.mac, name: ifc.name, tmp: `lvstmp${i}` }],
    ),
    defaultRoute: route?.gateway ? { via: route.gateway, dev: route.name } : null,
    vips,
    floatingVips: allVips.filter((v) => floating.has(v.address)),
    labeledVips: vips.filter((v) => v.label !== null),
    sysctls: [{ key: 'net.ipv4.ip_forward', value: '1' }, ...sysctls],
    iptables: iptables.length > 0 ? iptables : null,
    ipvsadmRules: lines(formatIpvsadmRules(table, spec.ipvsadm.version)),
    ipvsadmThresholds: lines(formatIpvsadmThresholds(table, spec.ipvsadm.version)),
    mode,
    keepalivedConf,
    pairMember: pair !== undefined,
    supervised: keepalivedConf !== null || Object.values(access).some((a) => a !== null && a !== false),
    expected: { services: table.length, realServers: table.reduce((n, s) => n + s.dests.length, 0) },
    access,
  };
}

/** Where a director's SSH server listens: the own address of each interface of an `access.ssh.listen` role. */
export function sshListen(spec: Spec, director: Director): { address: string; port: number }[] {
  const ssh = spec.access?.ssh;
  if (ssh === undefined) return [];
  return (ssh.listen ?? ['inside']).flatMap((role) =>
    director.interfaces
      .filter((i) => i.role === role)
      .map((i) => ({ address: bareAddress(i.address), port: ssh.port ?? SSH_PORT })),
  );
}

function accessView(spec: Spec, director: Director, mode: DirectorMode): DirectorView['access'] {
  const syslog = spec.access?.syslog;
  const target = syslog === undefined ? undefined : syslogTarget(syslog);
  const metrics = spec.access?.metrics;
  const ssh = spec.access?.ssh;
  const inside = director.interfaces.find((i) => i.role === 'inside');
  const release = DROPBEAR_CATALOG.releases.find((r) => r.version === spec.dropbear?.version);
  return {
    syslog: target === undefined ? null : { target: `${target.host}:${target.port}`, host: target.host },
    localSyslog:
      syslog === undefined && (mode === 'keepalived' || ssh !== undefined || spec.access?.ntp !== undefined),
    ntp: spec.access?.ntp === undefined ? null : { servers: spec.access.ntp },
    // The spec rules require an interface of each listen role (sshListenRoles) and a dropbear pin (sshHasDropbear).
    ssh:
      ssh === undefined || release === undefined
        ? null
        : {
            listen: sshListen(spec, director).map((l) => `${l.address}:${l.port}`),
            hostKey: sshHostKeyPath(release.hostKeyType),
            authorizedKeys: ssh.authorizedKeys.map((k) => k.trim()),
          },
    // The spec rules require an inside interface when metrics are on (accessHasInside).
    metrics:
      metrics === undefined || inside === undefined
        ? null
        : { listen: `${bareAddress(inside.address)}:${metrics.port ?? METRICS_PORT}` },
  };
}
