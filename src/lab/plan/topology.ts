/**
 * The lab's topology for a director: a hub namespace with one bridge (and tap) per director interface, a namespace
 * per real server (address and gateway from the spec's companion config) on its subnet's bridge, a client on the
 * outside subnet and a boot host on the inside one, at addresses nothing in the spec uses. Pure.
 */
import { labName } from '../../lib/netns.js';
import { SpecError } from '../../lib/errors.js';
import { formatIpv4, inSubnet, parseCidr, parseIpv4, prefixMask } from '../../lib/address.js';
import type { Spec } from '../../spec/types.js';
import { bareAddress, type DirectorModel } from './director-facts.js';
import type { LabBridge, LabHost, LabPlan, LabRealServer } from './types.js';

/** The bridges of `director`: lvsbr<i> with tap lvstap<i>, in its interface order. */
export function planBridges(director: DirectorModel): LabBridge[] {
  return director.interfaces.map((iface, i) => ({
    bridge: `lvsbr${i}`,
    tap: `lvstap${i}`,
    iface: iface.name,
    ...(iface.mac !== null ? { mac: iface.mac } : {}),
    cidr: iface.cidr,
  }));
}

/** The bridge whose subnet holds `address` (with or without a prefix). */
export function bridgeFor(bridges: readonly LabBridge[], address: string): LabBridge | undefined {
  const ip = parseIpv4(bareAddress(address));
  return bridges.find((b) => {
    const cidr = parseCidr(b.cidr);
    return ip !== null && cidr !== null && inSubnet(ip, cidr);
  });
}

/** The prefix length of `cidr`. */
export function prefixOf(cidr: string): number {
  return parseCidr(cidr)?.prefix ?? 32;
}

/** The `n` highest host addresses of `bridge`'s subnet that nothing in the spec uses (lab-only hosts). */
export function freeHosts(
  bridge: LabBridge,
  used: ReadonlySet<string>,
  n: number,
  pointer: string,
): string[] {
  const cidr = parseCidr(bridge.cidr);
  const found: string[] = [];
  if (cidr !== null) {
    const network = (cidr.address & prefixMask(cidr.prefix)) >>> 0;
    for (let host = 2 ** (32 - cidr.prefix) - 2; host >= 1 && found.length < n; host--) {
      const candidate = formatIpv4((network + host) >>> 0);
      if (!used.has(candidate)) found.push(candidate);
    }
  }
  if (found.length < n)
    throw new SpecError({
      pointer,
      message: `${bridge.cidr}: the lab needs ${n} free addresses on this subnet for its own hosts, it has ${found.length}`,
      hint: 'give the interface a subnet with room for the lab (a /24 has plenty)',
    });
  return found;
}

/** Every address of the directors (own, VIPs, floating), the real servers and the log host: lab hosts avoid them. */
export function usedAddresses(spec: Spec, directors: readonly DirectorModel[]): Set<string> {
  const used = new Set(spec.realServers.map((r) => bareAddress(r.address)));
  for (const d of directors) {
    for (const i of d.interfaces) used.add(i.address);
    for (const v of d.vips) used.add(v.address);
    if (d.access.syslog !== null) used.add(d.access.syslog.host);
  }
  return used;
}

/** The real servers of `director`'s services that have a `lab` section, each in its own namespace. */
export function planRealServers(
  spec: Spec,
  director: DirectorModel,
  bridges: readonly LabBridge[],
  pid: number,
): LabRealServer[] {
  const dests = director.ipvs.services.flatMap((s) => s.dests.map((d) => ({ s, d })));
  return spec.realServers
    .map((rs, index) => ({ rs, index }))
    .filter(({ rs }) => rs.lab !== undefined && dests.some(({ d }) => d.server === rs.name))
    .map(({ rs, index }, i): LabRealServer => {
      const bridge = bridgeFor(bridges, rs.address);
      if (bridge === undefined)
        throw new SpecError({
          pointer: `/realServers/${index}/address`,
          message: `real server ${rs.name} (${rs.address}) is on no subnet of ${director.hostname}, so the lab cannot put it on a bridge`,
          hint: `give it an address on a subnet of ${director.hostname}'s interfaces, or leave its lab section out`,
        });
      // Direct routing: the real server holds each VIP it serves that way on lo.
      const dr = dests.filter(
        ({ s, d }) => d.server === rs.name && d.forwarding === 'gate' && s.fwmark === 0,
      );
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
        loopbackVips: [...new Set(dr.map(({ s }) => s.vip))],
      };
    });
}

/** The boot host's IPv6 address: a unique local prefix ("lvs"), only ever inside the lab's namespaces. */
const BOOT_ULA = 'fd6c:7673::1/64';

/** The client (highest free address of the outside subnet) and the boot host (below it, DHCP range below that). */
export function planClientAndBoot(
  director: DirectorModel,
  bridges: readonly LabBridge[],
  used: ReadonlySet<string>,
  pid: number,
  pointer: string,
): { client: LabHost; boot: LabPlan['boot'] } {
  const byRole = (role: string): LabBridge | undefined => {
    const iface = director.interfaces.find((i) => i.role === role) ?? director.interfaces[0];
    return bridges.find((b) => b.iface === iface?.name) ?? bridges[0];
  };
  const outside = byRole('outside');
  const boot = byRole('inside');
  if (outside === undefined || boot === undefined)
    throw new SpecError({
      pointer: `${pointer}/interfaces`,
      message: `${director.hostname} has no interface`,
    });
  const at = (b: LabBridge): string => `${pointer}/interfaces/${bridges.indexOf(b)}/address`;
  const free = freeHosts(boot, used, 6, at(boot)).slice(1);
  return {
    client: {
      ns: labName('lab', 'client', pid),
      peer: 'lvscl0',
      bridge: outside.bridge,
      cidr: `${freeHosts(outside, used, 1, at(outside))[0]}/${prefixOf(outside.cidr)}`,
    },
    boot: {
      ns: labName('lab', 'boot', pid),
      peer: 'lvsbt0',
      bridge: boot.bridge,
      cidr: `${free[0]}/${prefixOf(boot.cidr)}`,
      cidr6: BOOT_ULA,
      bootIface: boot.iface,
      range: [free[4] ?? '', free[1] ?? ''],
    },
  };
}
