/**
 * The lab's side of `access`: the ops host on the inside network (at the syslog address when there is one, else an
 * NTP server's, else a free one) that receives syslog, serves NTP and scrapes metrics; and what a scan of the
 * director's outside address and VIPs may find open. Pure.
 */
import { labName } from '../../lib/netns.js';
import { SpecError } from '../../lib/errors.js';
import type { Director, Spec } from '../../spec/types.js';
import { bareAddress, metricsUrl, sshListen, syslogTarget } from './director-facts.js';
import { bridgeFor, freeHosts, prefixOf } from './topology.js';
import type { LabBridge, LabOps } from './types.js';

/** The ports of `director`'s `protocol` services on `vip`, sorted. */
function servicePorts(director: Director, vip: string, protocol: 'tcp' | 'udp'): number[] {
  const ports = director.services.flatMap((s) =>
    s.protocol === protocol && s.vip === vip && s.port !== undefined ? [s.port] : [],
  );
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The ops host and scan of `access` (undefined without it). */
export function planAccess(
  spec: Spec,
  director: Director,
  bridges: readonly LabBridge[],
  used: ReadonlySet<string>,
  pid: number,
): LabOps | undefined {
  const access = spec.access;
  if (access === undefined) return undefined;
  const syslog = access.syslog !== undefined ? syslogTarget(access.syslog) : undefined;
  const inside = director.interfaces.find((i) => i.role === 'inside');
  const ntpOnSubnet = access.ntp?.find((a) => bridgeFor(bridges, a) !== undefined);
  const at = syslog?.host ?? ntpOnSubnet;
  const bridge = at !== undefined ? bridgeFor(bridges, at) : bridges.find((b) => b.iface === inside?.name);
  if (bridge === undefined)
    throw new SpecError({
      pointer: syslog !== undefined ? '/access/syslog' : '/directors',
      message:
        syslog !== undefined
          ? `${access.syslog ?? ''} is on no subnet of ${director.hostname}: the lab can only receive syslog there`
          : `${director.hostname} has no inside interface for the lab's operator host`,
      hint: 'put the log host on a director subnet (the inside one, as an operator would)',
    });
  const address =
    at ?? freeHosts(bridge, used, 8, `/directors/${spec.directors.indexOf(director)}/interfaces`)[7] ?? '';
  // The ops host answers as every NTP server on its subnet; the others are out of the lab's reach.
  const onBridge = (a: string): boolean => bridgeFor(bridges, a)?.bridge === bridge.bridge;
  const served = (access.ntp ?? []).filter(onBridge);
  const extraCidrs = served.filter((a) => a !== address).map((a) => `${a}/${prefixOf(bridge.cidr)}`);
  const listen = sshListen(spec, director);
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
    ...(access.ssh !== undefined ? { ssh: { hostname: director.hostname, listen } } : {}),
    scan: [
      ...director.interfaces
        .filter((i) => i.role === 'outside')
        .map((i) => {
          const address = bareAddress(i.address);
          return { address, open: listen.flatMap((l) => (l.address === address ? [l.port] : [])) };
        }),
      ...director.vips.map((v) => ({
        address: v.address,
        open: servicePorts(director, v.address, 'tcp'),
        openUdp: servicePorts(director, v.address, 'udp'),
      })),
    ],
  };
}
