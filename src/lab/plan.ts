/**
 * The lab's topology, planned from a spec: a hub namespace holding one bridge per director subnet and the
 * director's tap NICs, a namespace per real server (address and gateway from the spec's companion config) and a
 * client namespace on the outside subnet. Pure; src/lab/index.ts creates it.
 */
import { labName } from '../lib/netns.js';
import { formatIpv4, inSubnet, parseCidr, parseIpv4, prefixMask } from '../spec/net.js';
import { detectionBound, directorMode, effectiveCheck, type DirectorMode } from '../spec/health-check.js';
import type { Director, Spec, VirtualService } from '../spec/types.js';
import { METRICS_PORT, sshListen, syslogTarget } from '../stages/render/director-view.js';
import { resolveIpvsTable } from '../stages/render/ipvs-table.js';
import { formatIpvsadmRules } from '../stages/render/ipvsadm-rules.js';

/** A bridge of the hub namespace: one per director interface (= one per subnet). */
export interface LabBridge {
  bridge: string;
  /** The tap QEMU attaches the director's NIC to. */
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

/** The whole lab for one director. */
export interface LabPlan {
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
  /**
   * The real server the lab quiesces (weight 0) and then removes: the service's last lab member, with the
   * director's whole `ipvsadm -Sn` table rendered from the spec with that change (weight 0 / member dropped).
   */
  victim?: { name: string; dest: string; flag: string; rulesQuiesced: string; rulesRemoved: string };
  /** Who writes the director's IPVS table; in keepalived mode the lab fails the victim instead of editing rules. */
  mode: DirectorMode;
  /**
   * keepalived mode: the whole table with every member healthy, the table once the victim's check has failed
   * (weight 0 or left out, as its `onFailure` says), and the configured bound from a failure to that table.
   */
  health?: { healthy: string; failed: string; onFailure: 'quiesce' | 'remove'; boundS: number };
  /** When the spec has `access`: the operator's host on the inside network and what the lab checks there. */
  ops?: LabOps;
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

/** Added to the configured bound: console polling (a few hundred ms under emulation) and QEMU scheduling. */
export const HEALTH_SLACK_S = 2;

/** ipvsadm's switch per forwarding method. */
const FORWARDING_FLAG: Record<string, string> = { masq: '-m', gate: '-g', ipip: '-i' };

function bridgeFor(bridges: LabBridge[], address: string): LabBridge | undefined {
  const ip = parseIpv4(address.split('/')[0] ?? '');
  return bridges.find((b) => {
    const cidr = parseCidr(b.cidr);
    return ip !== null && cidr !== null && inSubnet(ip, cidr);
  });
}

/** The director's rules as the spec would render them with one service's members changed by `edit`. */
function rulesWith(
  spec: Spec,
  director: Director,
  service: VirtualService,
  edit: (m: VirtualService['realServers'][number]) => VirtualService['realServers'],
): string {
  const services = director.services.map((s) =>
    s === service ? { ...s, realServers: s.realServers.flatMap(edit) } : s,
  );
  return formatIpvsadmRules(resolveIpvsTable({ ...director, services }, spec.realServers));
}

/** The `n` highest host addresses of `cidr`'s subnet that nothing in the spec uses (lab-only hosts). */
function freeHosts(cidrText: string, used: Set<string>, n: number): string[] {
  const cidr = parseCidr(cidrText);
  if (cidr === null) throw new Error(`bad address ${cidrText}`);
  const network = (cidr.address & prefixMask(cidr.prefix)) >>> 0;
  const found: string[] = [];
  for (let host = 2 ** (32 - cidr.prefix) - 2; host >= 1 && found.length < n; host--) {
    const candidate = formatIpv4((network + host) >>> 0);
    if (!used.has(candidate)) found.push(candidate);
  }
  if (found.length < n) throw new Error(`not enough free addresses for the lab on ${cidrText}`);
  return found;
}

function prefixOf(cidr: string): number {
  return parseCidr(cidr)?.prefix ?? 32;
}

/** The boot host's IPv6 address: a unique local prefix ("lvs"), only ever inside the lab's namespaces. */
const BOOT_ULA = 'fd6c:7673::1/64';

function bootHost(bridge: LabBridge, used: Set<string>, pid: number): LabPlan['boot'] {
  // The boot server takes the highest free address below the client's, the DHCP range the four below it.
  const free = freeHosts(bridge.cidr, used, 6).slice(1);
  return {
    ns: labName('lab', 'boot', pid),
    peer: 'lvsbt0',
    bridge: bridge.bridge,
    cidr: `${free[0]}/${prefixOf(bridge.cidr)}`,
    cidr6: BOOT_ULA,
    bootIface: bridge.iface,
    range: [free[4] ?? '', free[1] ?? ''],
  };
}

/** Plans the lab of `director`; `tag` keeps names unique per run (namespace and interface names). */
export function planLab(spec: Spec, director: Director, pid: number = process.pid): LabPlan {
  const bridges: LabBridge[] = director.interfaces.map((iface, i) => ({
    bridge: `lvsbr${i}`,
    tap: `lvstap${i}`,
    iface: iface.name,
    ...(iface.mac !== undefined ? { mac: iface.mac } : {}),
    cidr: iface.address,
  }));
  const service = director.services.find((s) => s.protocol === 'tcp' && s.vip !== undefined);
  if (service === undefined || service.vip === undefined)
    throw new Error(`${director.hostname} has no tcp service for the lab client to ask`);
  const members = new Set(director.services.flatMap((s) => s.realServers.map((r) => r.server)));
  const realServers = spec.realServers
    .filter((rs) => members.has(rs.name) && rs.lab !== undefined)
    .map((rs, i): LabRealServer => {
      const bridge = bridgeFor(bridges, rs.address);
      if (bridge === undefined)
        throw new Error(`real server ${rs.name} (${rs.address}) is on no subnet of ${director.hostname}`);
      return {
        name: rs.name,
        ns: labName('rs', rs.name, pid),
        peer: `lvsrs${i}`,
        bridge: bridge.bridge,
        cidr: rs.address,
        ...(rs.gateway !== undefined ? { gateway: rs.gateway } : {}),
        port: rs.lab?.port ?? 80,
        ...(rs.lab?.host !== undefined ? { host: rs.lab.host } : {}),
        body: rs.lab?.body ?? rs.name,
        loopbackVips: [
          ...new Set(
            director.services.flatMap((svc) =>
              svc.realServers.some((m) => m.server === rs.name && m.forwarding === 'gate') &&
              svc.vip !== undefined
                ? [svc.vip]
                : [],
            ),
          ),
        ],
      };
    });
  const outsideIface = director.interfaces.find((i) => i.role === 'outside') ?? director.interfaces[0];
  const bootIface = director.interfaces.find((i) => i.role === 'inside') ?? director.interfaces[0];
  const bootBridge = bridges.find((b) => b.iface === bootIface?.name) ?? bridges[0];
  const outside = bridges.find((b) => b.iface === outsideIface?.name) ?? bridges[0];
  if (outside === undefined || bootBridge === undefined)
    throw new Error(`${director.hostname} has no interface`);
  const used = new Set(
    [...director.interfaces, ...spec.realServers].map((x) => x.address.split('/')[0] ?? ''),
  );
  for (const v of director.vips) used.add(v.address);
  if (spec.access?.syslog !== undefined) used.add(syslogTarget(spec.access.syslog).host);
  const methods = new Set(service.realServers.map((m) => (m.forwarding === 'masq' ? 'masq' : 'direct')));
  const replyPath = methods.size === 1 ? [...methods][0] : undefined;
  const vipIface = director.vips.find((v) => v.address === service.vip)?.interface;
  const vipMac = director.interfaces.find((i) => i.name === vipIface)?.mac?.toLowerCase();
  const host = realServers.find((r) => r.host !== undefined)?.host;
  const member = [...service.realServers].reverse().find((m) => realServers.some((r) => r.name === m.server));
  const victimServer = realServers.find((r) => r.name === member?.server);
  const victim =
    member !== undefined && victimServer !== undefined && realServers.length > 1
      ? {
          name: member.server,
          dest: `${victimServer.cidr.split('/')[0]}:${member.port ?? service.port ?? 80}`,
          flag: FORWARDING_FLAG[member.forwarding ?? 'gate'] ?? '-g',
          rulesQuiesced: rulesWith(spec, director, service, (m) =>
            m === member ? [{ ...m, weight: 0 }] : [m],
          ),
          rulesRemoved: rulesWith(spec, director, service, (m) => (m === member ? [] : [m])),
        }
      : undefined;
  const mode = directorMode(spec, director);
  const check = member !== undefined ? effectiveCheck(service, member) : null;
  const health =
    mode === 'keepalived' && victim !== undefined && check !== null && check.type !== 'none'
      ? {
          healthy: formatIpvsadmRules(resolveIpvsTable(director, spec.realServers)),
          failed: check.onFailure === 'quiesce' ? victim.rulesQuiesced : victim.rulesRemoved,
          onFailure: check.onFailure,
          boundS: detectionBound(check),
        }
      : undefined;
  const ops = opsPlan(spec, director, bridges, used, pid);
  return {
    hostname: director.hostname,
    mode,
    ...(ops !== undefined ? { ops } : {}),
    ...(health !== undefined ? { health } : {}),
    hub: labName('lab', 'hub', pid),
    bridges,
    realServers,
    client: {
      ns: labName('lab', 'client', pid),
      peer: 'lvscl0',
      bridge: outside.bridge,
      cidr: `${freeHosts(outside.cidr, used, 1)[0]}/${prefixOf(outside.cidr)}`,
    },
    boot: bootHost(bootBridge, used, pid),
    target: { vip: service.vip, port: service.port ?? 80, ...(host !== undefined ? { host } : {}) },
    ...(victim !== undefined ? { victim } : {}),
    ...(vipMac !== undefined ? { directorMac: vipMac } : {}),
    ...(replyPath !== undefined ? { replyPath } : {}),
  };
}

/** The metrics URL of a director whose inside address is `cidr` (access.metrics.port, default METRICS_PORT). */
export function metricsUrl(cidr: string, port: number | undefined): string {
  return `http://${cidr.split('/')[0] ?? ''}:${port ?? METRICS_PORT}/cgi-bin/metrics`;
}

/** The ops host and scan of `access` (undefined without it); the syslog receiver must sit on a director subnet. */
function opsPlan(
  spec: Spec,
  director: Director,
  bridges: LabBridge[],
  used: Set<string>,
  pid: number,
): LabOps | undefined {
  const access = spec.access;
  if (access === undefined) return undefined;
  const syslog = access.syslog !== undefined ? syslogTarget(access.syslog) : undefined;
  const syslogHost = syslog?.host;
  const inside = director.interfaces.find((i) => i.role === 'inside');
  const insideBridge = bridges.find((b) => b.iface === inside?.name);
  const ntpOnSubnet = access.ntp?.find((a) => bridgeFor(bridges, a) !== undefined);
  const bridge =
    syslogHost !== undefined
      ? bridgeFor(bridges, syslogHost)
      : ntpOnSubnet !== undefined
        ? bridgeFor(bridges, ntpOnSubnet)
        : insideBridge;
  if (bridge === undefined)
    throw new Error(
      `access.syslog ${access.syslog ?? ''} is on no subnet of ${director.hostname}: the lab can only receive it there`,
    );
  const address = syslogHost ?? ntpOnSubnet ?? freeHosts(bridge.cidr, used, 8)[7] ?? '';
  // The ops host answers as every NTP server on its subnet; the others are out of the lab's reach.
  const onBridge = (a: string): boolean => bridgeFor(bridges, a)?.bridge === bridge.bridge;
  const served = (access.ntp ?? []).filter(onBridge);
  const extraCidrs = served.filter((a) => a !== address).map((a) => `${a}/${prefixOf(bridge.cidr)}`);
  const outside = director.interfaces.filter((i) => i.role === 'outside');
  const vipPorts = (vip: string): number[] =>
    [
      ...new Set(
        director.services.flatMap((s) => (s.protocol === 'tcp' && s.vip === vip && s.port ? [s.port] : [])),
      ),
    ].sort((a, b) => a - b);
  return {
    host: {
      ns: labName('lab', 'ops', pid),
      peer: 'lvsop0',
      bridge: bridge.bridge,
      cidr: `${address}/${prefixOf(bridge.cidr)}`,
      ...(extraCidrs.length > 0 ? { extraCidrs } : {}),
    },
    ...(access.ntp !== undefined
      ? { ntp: { served, elsewhere: access.ntp.filter((a) => !onBridge(a)) } }
      : {}),
    ...(syslog !== undefined ? { syslog: { address: syslog.host, port: syslog.port } } : {}),
    ...(access.metrics !== undefined && inside !== undefined
      ? { metrics: { url: metricsUrl(inside.address, access.metrics.port) } }
      : {}),
    ...(access.ssh !== undefined
      ? { ssh: { hostname: director.hostname, listen: sshListen(spec, director) } }
      : {}),
    scan: [
      ...outside.map((i) => {
        const address = i.address.split('/')[0] ?? '';
        return {
          address,
          open: sshListen(spec, director).flatMap((l) => (l.address === address ? [l.port] : [])),
        };
      }),
      ...director.vips.map((v) => ({
        address: v.address,
        open: vipPorts(v.address),
        openUdp: [
          ...new Set(
            director.services.flatMap((s) =>
              s.protocol === 'udp' && s.vip === v.address && s.port ? [s.port] : [],
            ),
          ),
        ],
      })),
    ],
  };
}
