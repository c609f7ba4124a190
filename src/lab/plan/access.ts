/**
 * The lab's side of the director's access: the ops host on the inside network (at the syslog address when there is
 * one, else an NTP server's, else a free one) that receives syslog, serves NTP and scrapes metrics; and what a scan
 * of the director's outside address and VIPs may find open. Pure; reads the director's model.
 */
import { labName } from '../../lib/netns.js';
import { SpecError } from '../../lib/errors.js';
import { metricsUrl, type DirectorModel } from './director-facts.js';
import { bridgeFor, freeHosts, prefixOf } from './topology.js';
import type { LabBridge, LabOps } from './types.js';

/** The ports of `director`'s `protocol` services on `vip`, sorted. */
function servicePorts(director: DirectorModel, vip: string, protocol: 'tcp' | 'udp'): number[] {
  const ports = director.ipvs.services.flatMap((s) =>
    s.protocol === protocol && s.fwmark === 0 && s.vip === vip ? [s.port] : [],
  );
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The ops host and scan of the director's access (undefined when it serves none); `at` its spec pointer. */
export function planAccess(
  director: DirectorModel,
  bridges: readonly LabBridge[],
  used: ReadonlySet<string>,
  pid: number,
  at: string,
): LabOps | undefined {
  const { syslog, metrics, ssh, ntp } = director.access;
  if (syslog === null && metrics === null && ssh === null && ntp === null) return undefined;
  const inside = director.interfaces.find((i) => i.role === 'inside');
  const ntpOnSubnet = ntp?.servers.find((a) => bridgeFor(bridges, a) !== undefined);
  const host = syslog?.host ?? ntpOnSubnet;
  const bridge =
    host !== undefined ? bridgeFor(bridges, host) : bridges.find((b) => b.iface === inside?.name);
  if (bridge === undefined)
    throw new SpecError({
      pointer: syslog !== null ? '/access/syslog' : `${at}/interfaces`,
      message:
        syslog !== null
          ? `${syslog.host} is on no subnet of ${director.hostname}: the lab can only receive syslog there`
          : `${director.hostname} has no inside interface for the lab's operator host`,
      hint: 'put the log host on a director subnet (the inside one, as an operator would)',
    });
  const address = host ?? freeHosts(bridge, used, 8, `${at}/interfaces`)[7] ?? '';
  // The ops host answers as every NTP server on its subnet; the others are out of the lab's reach.
  const onBridge = (a: string): boolean => bridgeFor(bridges, a)?.bridge === bridge.bridge;
  const served = (ntp?.servers ?? []).filter(onBridge);
  const extraCidrs = served.filter((a) => a !== address).map((a) => `${a}/${prefixOf(bridge.cidr)}`);
  const listen = ssh?.listen ?? [];
  return {
    host: {
      ns: labName('lab', 'ops', pid),
      peer: 'lvsop0',
      bridge: bridge.bridge,
      cidr: `${address}/${prefixOf(bridge.cidr)}`,
      ...(extraCidrs.length > 0 ? { extraCidrs } : {}),
    },
    ...(ntp !== null ? { ntp: { served, elsewhere: ntp.servers.filter((a) => !onBridge(a)) } } : {}),
    ...(syslog !== null ? { syslog: { address: syslog.host, port: syslog.port } } : {}),
    ...(metrics !== null ? { metrics: { url: metricsUrl(metrics) } } : {}),
    ...(ssh !== null ? { ssh: { hostname: director.hostname, listen } } : {}),
    scan: [
      ...director.interfaces
        .filter((i) => i.role === 'outside')
        .map((i) => ({
          address: i.address,
          open: listen.flatMap((l) => (l.address === i.address ? [l.port] : [])),
        })),
      ...director.vips.map((v) => ({
        address: v.address,
        open: servicePorts(director, v.address, 'tcp'),
        openUdp: servicePorts(director, v.address, 'udp'),
      })),
    ],
  };
}
