/**
 * /etc/keepalived/keepalived.conf of a director whose IPVS table keepalived owns: one `virtual_server` per
 * resolved service (src/stages/render/ipvs-table.ts, the same table ipvsadm.rules describes), each member a
 * `real_server` with its checker. Keywords as the pinned release spells them (src/packages/keepalived.json).
 * keepalived's parser wants one statement per line, nested blocks included. Pure.
 */
import type { KeepalivedRelease } from '../../packages/keepalived.js';
import { effectiveCheck, type EffectiveCheck } from '../../spec/health-check.js';
import { pairPriority } from '../../spec/vrrp.js';
import type { Director, DirectorPair, Forwarding, RealServer } from '../../spec/types.js';
import {
  bareAddress,
  IPVSADM_DEFAULTS,
  resolveIpvsTable,
  type IpvsDest,
  type IpvsService,
} from './ipvs-table.js';

/** keepalived's names of the forwarding methods. */
const METHOD: Record<Forwarding, string> = { masq: 'NAT', gate: 'DR', ipip: 'TUN' };

const FLAG: Record<string, string> = {
  'sh-fallback': 'sh-fallback',
  'sh-port': 'sh-port',
  'mh-fallback': 'mh-fallback',
  'mh-port': 'mh-port',
};

/** A number as keepalived reads it (decimal seconds allowed). */
function num(n: number): string {
  return String(n);
}

function block(indent: number, head: string, body: string[]): string[] {
  const pad = '    '.repeat(indent);
  return [`${pad}${head} {`, ...body.map((l) => (l === '' ? '' : `${pad}    ${l}`)), `${pad}}`];
}

function checkerLines(c: EffectiveCheck): string[] {
  const common = [
    ...(c.port !== null ? [`connect_port ${c.port}`] : []),
    `connect_timeout ${num(c.timeout)}`,
    `retry ${c.retries}`,
    `delay_before_retry ${num(c.retryDelay)}`,
    `delay_loop ${num(c.interval)}`,
  ];
  if (c.type === 'tcp') return block(0, 'TCP_CHECK', common);
  return block(0, 'HTTP_GET', [
    ...block(0, 'url', [`path ${c.path}`, `status_code ${c.status}`]),
    ...(c.host !== null ? [`virtualhost ${c.host}`] : []),
    ...common,
  ]);
}

function realServerLines(
  dest: IpvsDest,
  service: IpvsService,
  check: EffectiveCheck | null,
  method: string,
): string[] {
  const body = [
    `weight ${dest.weight}`,
    `${method} ${METHOD[dest.forwarding]}`,
    ...(dest.upperThreshold !== null ? [`uthreshold ${dest.upperThreshold}`] : []),
    ...(dest.lowerThreshold !== null ? [`lthreshold ${dest.lowerThreshold}`] : []),
    ...(check !== null && check.type !== 'none' && check.onFailure === 'quiesce'
      ? ['inhibit_on_failure']
      : []),
    ...(check !== null && check.type !== 'none' ? checkerLines(check) : []),
  ];
  return block(0, `real_server ${dest.address} ${dest.port}`, body);
}

/** The VRRP version a pair's advert interval needs: v2 counts whole seconds, v3 centiseconds. */
export function vrrpVersion(pair: DirectorPair): 2 | 3 {
  const a = pair.advertInterval ?? 1;
  return Number.isInteger(a) ? 2 : 3;
}

/** `<pair>_<interface>`: the instance name keepalived logs (`(dsas_eth0) Entering MASTER STATE`). */
export function instanceName(pair: DirectorPair, iface: string): string {
  return `${pair.name}_${iface.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * The sync group (two or more instances) and the instances of a pair member. Every member starts as BACKUP: the priorities pick the master
 * after the master-down interval, and `nopreempt` (only valid with BACKUP) works.
 */
function vrrpLines(pair: DirectorPair, director: Director, members: readonly Director[]): string[] {
  const names = pair.instances.map((i) => instanceName(pair, i.interface));
  const peersOn = (iface: string): string[] =>
    members
      .filter((m) => m.hostname !== director.hostname)
      .flatMap((m) => m.interfaces.filter((n) => n.name === iface).map((n) => bareAddress(n.address)));
  // A sync group moves its instances together; keepalived reports a group of one as a config error.
  const out =
    names.length > 1 ? ['', ...block(0, `vrrp_sync_group ${pair.name}`, block(0, 'group', names))] : [];
  for (const inst of pair.instances) {
    const own = director.interfaces.find((n) => n.name === inst.interface);
    const addresses = inst.addresses.map((a) => {
      const label = director.vips.find((v) => v.address === a && v.interface === inst.interface)?.label;
      return `${a}/32 dev ${inst.interface}${label !== undefined ? ` label ${label}` : ''}`;
    });
    const body = [
      'state BACKUP',
      `interface ${inst.interface}`,
      `virtual_router_id ${inst.vrid}`,
      `priority ${pairPriority(pair, director.hostname)}`,
      `advert_int ${pair.advertInterval ?? 1}`,
      ...(pair.preempt === false ? ['nopreempt'] : []),
      ...(pair.preempt !== false && (pair.preemptDelay ?? 0) > 0
        ? [`preempt_delay ${pair.preemptDelay}`]
        : []),
      ...(pair.unicast === true && own !== undefined
        ? [`unicast_src_ip ${bareAddress(own.address)}`, ...block(0, 'unicast_peer', peersOn(inst.interface))]
        : []),
      ...block(0, 'virtual_ipaddress', addresses),
    ];
    out.push('', ...block(0, `vrrp_instance ${instanceName(pair, inst.interface)}`, body));
  }
  return out;
}

/** The lines of keepalived.conf for `director`; `pair` with its members when it is in a VRRP group. */
export function formatKeepalivedConf(
  director: Director,
  realServers: readonly RealServer[],
  release: KeepalivedRelease,
  site: string,
  pair?: { pair: DirectorPair; members: readonly Director[] },
): string[] {
  const byName = new Map(realServers.map((r) => [r.name, r]));
  const table = resolveIpvsTable(director, realServers);
  const kw = release.keywords;
  const out = [
    `# keepalived.conf of ${director.hostname} (site ${site}), generated by lvs-image for keepalived ${release.version}.`,
    "# keepalived owns this director's IPVS table: it flushes the table at start and writes every service below.",
    ...block(0, 'global_defs', [
      `router_id ${director.hostname}`,
      'lvs_flush',
      ...(pair !== undefined && vrrpVersion(pair.pair) === 3 ? ['vrrp_version 3'] : []),
      ...(pair !== undefined && (pair.pair.startupDelay ?? 0) > 0
        ? [`vrrp_startup_delay ${pair.pair.startupDelay}`]
        : []),
      // The sync daemon follows the first instance: master daemon while MASTER, backup daemon otherwise.
      ...(pair?.pair.connectionSync !== undefined
        ? [
            `lvs_sync_daemon ${pair.pair.connectionSync.interface} ${instanceName(pair.pair, pair.pair.instances[0]?.interface ?? '')} id ${
              pair.pair.connectionSync.syncId ?? pair.pair.instances[0]?.vrid ?? 0
            }`,
          ]
        : []),
    ]),
    ...(pair !== undefined ? vrrpLines(pair.pair, director, pair.members) : []),
  ];
  table.forEach((svc, i) => {
    const spec = director.services[i];
    if (spec === undefined) return;
    const checks = spec.realServers.map((m) => effectiveCheck(spec, m));
    const head =
      svc.protocol === 'fwmark'
        ? `virtual_server fwmark ${svc.fwmark}`
        : `virtual_server ${svc.vip} ${svc.port}`;
    const first = svc.dests[0]?.forwarding ?? IPVSADM_DEFAULTS.forwarding;
    const sorry = spec.sorryServer;
    const sorryRs = sorry !== undefined ? byName.get(sorry.server) : undefined;
    const body = [
      `${kw.scheduler} ${svc.scheduler}`,
      `${kw.method} ${METHOD[first]}`,
      ...(svc.protocol !== 'fwmark' ? [`protocol ${svc.protocol.toUpperCase()}`] : []),
      ...(svc.persistenceTimeout !== null
        ? [
            `persistence_timeout ${svc.persistenceTimeout}`,
            ...(svc.persistenceNetmask !== IPVSADM_DEFAULTS.persistenceNetmask
              ? [`persistence_granularity ${svc.persistenceNetmask}`]
              : []),
          ]
        : []),
      ...(svc.persistenceEngine !== null ? [`persistence_engine ${svc.persistenceEngine}`] : []),
      ...(svc.onePacket ? ['ops'] : []),
      ...svc.schedulerFlags.map((f) => FLAG[f] ?? f),
      // A member is down until its first check passes: a director that boots never sends to a dead server.
      ...(checks.some((c) => c !== null && c.type !== 'none') ? ['alpha'] : []),
      ...(sorry !== undefined && sorryRs !== undefined
        ? [
            `sorry_server ${bareAddress(sorryRs.address)} ${sorry.port ?? svc.port}`,
            `sorry_server_lvs_method ${METHOD[sorry.forwarding ?? first]}`,
          ]
        : []),
    ];
    const members = svc.dests.flatMap((d, m) => [
      '',
      ...realServerLines(d, svc, checks[m] ?? null, kw.method),
    ]);
    out.push('', ...block(0, head, [...body, ...members]));
  });
  return out;
}
