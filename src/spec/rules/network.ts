/** Rules about addresses: VIPs on interfaces, NAT and DR real servers on the right subnets. Pure. */
import { formatSubnet, bareAddress, inSubnet, parseCidr, parseIpv4, type Cidr } from '../../lib/address.js';
import { eachMember, problemAt, type Rule } from '../rule.js';
import type { Director, NetInterface, Spec } from '../types.js';

function subnets(d: Director, only?: NetInterface['role']): Cidr[] {
  return d.interfaces
    .filter((n) => only === undefined || n.role === only)
    .flatMap((n) => parseCidr(n.address) ?? []);
}

function realServerAddress(spec: Spec, name: string): number | null {
  const rs = spec.realServers.find((r) => r.name === name);
  return rs ? parseIpv4(bareAddress(rs.address)) : null;
}

/** A VIP names an existing interface, lies in that interface's subnet, and its label starts with `<interface>:`. */
export const vipOnInterface: Rule = (spec) =>
  spec.directors.flatMap((d, di) =>
    d.vips.flatMap((v, vi) => {
      const at = `/directors/${di}/vips/${vi}`;
      const nic = d.interfaces.find((n) => n.name === v.interface);
      const names = d.interfaces.map((n) => n.name).join(', ');
      if (!nic)
        return [
          problemAt(
            `${at}/interface`,
            `no interface named "${v.interface}" on ${d.hostname}`,
            `use one of: ${names}`,
          ),
        ];
      const out = [];
      const cidr = parseCidr(nic.address);
      const ip = parseIpv4(v.address);
      if (cidr && ip !== null && !inSubnet(ip, cidr))
        out.push(
          problemAt(
            `${at}/address`,
            `VIP ${v.address} is on no director interface: ${nic.name} is ${formatSubnet(cidr)}`,
            "use an address in the interface's subnet, or move the VIP to the interface that has it",
          ),
        );
      if (v.label !== undefined && !v.label.startsWith(`${v.interface}:`))
        out.push(
          problemAt(
            `${at}/label`,
            `label ${v.label} must start with "${v.interface}:"`,
            `e.g. ${v.interface}:${v.label.split(':')[1] ?? '100'}`,
          ),
        );
      return out;
    }),
  );

/** A NAT (masq) real server lies in an inside subnet of its director, so its replies can route back through it. */
export const natOnInsideSubnet: Rule = (spec) =>
  eachMember(spec).flatMap(({ director: d, member: m, memberPointer }) => {
    const ip = realServerAddress(spec, m.server);
    const inside = subnets(d, 'inside');
    if (m.forwarding !== 'masq' || ip === null || inside.some((c) => inSubnet(ip, c))) return [];
    return [
      problemAt(
        memberPointer,
        `NAT real server ${m.server} is outside every inside subnet of ${d.hostname} (${inside.map(formatSubnet).join(', ') || 'no interface has role: inside'})`,
        'put the real server on an inside subnet, give the right interface role: inside, or use forwarding gate/ipip',
      ),
    ];
  });

/** A direct-routing (gate) real server shares an L2 subnet with its director. */
export const drOnDirectorSubnet: Rule = (spec) =>
  eachMember(spec).flatMap(({ director: d, member: m, memberPointer }) => {
    const ip = realServerAddress(spec, m.server);
    const all = subnets(d);
    if (m.forwarding !== 'gate' || ip === null || all.some((c) => inSubnet(ip, c))) return [];
    return [
      problemAt(
        memberPointer,
        `direct-routing real server ${m.server} is not on a subnet of ${d.hostname} (${all.map(formatSubnet).join(', ')})`,
        "direct routing needs the real server on the director's L2 segment; move it there or use forwarding ipip/masq",
      ),
    ];
  });

/** WARNING: a NAT real server whose gateway is not its director's inside address sends replies around the director. */
export const natGatewayBypass: Rule = (spec) =>
  eachMember(spec).flatMap(({ director: d, member: m }) => {
    const ri = spec.realServers.findIndex((r) => r.name === m.server);
    const rs = spec.realServers[ri];
    const inside = d.interfaces.filter((n) => n.role === 'inside').map((n) => bareAddress(n.address));
    // A pair's floating addresses route through whichever member is master (natGatewayFloats checks pairs).
    const floating = (spec.pairs ?? [])
      .filter((p) => p.directors.includes(d.hostname))
      .flatMap((p) => p.instances.flatMap((i) => i.addresses));
    if (m.forwarding !== 'masq' || rs?.gateway === undefined || inside.includes(rs.gateway)) return [];
    if (floating.includes(rs.gateway)) return [];
    return [
      problemAt(
        `/realServers/${ri}/gateway`,
        `gateway ${rs.gateway} of NAT real server ${rs.name} is not an inside address of ${d.hostname} (${inside.join(', ') || 'none'}): replies will bypass the director`,
        "remove gateway (it defaults to the director's inside address) unless something else routes the replies back",
      ),
    ];
  });
