/**
 * View model of a real server's companion bundle: what its own configuration needs so that the director's
 * forwarding method works (NAT: route back through the director; DR/TUN: accept the VIP locally, stay silent
 * on ARP for it).
 */
import type { Forwarding, RealServer, Spec } from '../../spec/types.js';
import { checkName } from '../../director/names.js';
import { bareAddress, cidrContains, cidrForms } from '../../lib/address.js';

/** Everything the real-server templates print. */
export interface CompanionView {
  name: string;
  interface: string;
  address: string;
  netmask: string;
  network: string;
  broadcast: string;
  /** Default gateway: the spec's, else for NAT the director's inside address on this subnet; null if none. */
  gateway: string | null;
  /** Forwarding methods the directors use towards this server, in a fixed order. */
  forwarding: Forwarding[];
  /** DR: VIPs on loopback aliases (`lo:0`, ...). */
  loopbackVips: { label: string; address: string }[];
  /** TUN: VIPs carried by tunl0. */
  tunnelVips: string[];
}

const FORWARDING_ORDER: readonly Forwarding[] = ['masq', 'gate', 'ipip'];

/** Every (VIP, forwarding) pair under which the directors reach `name`. */
function memberships(spec: Spec, name: string): { vip: string; forwarding: Forwarding }[] {
  return spec.directors.flatMap((director) =>
    director.services.flatMap((svc) => {
      const vips =
        svc.protocol === 'fwmark'
          ? (director.netfilter?.marks ?? []).filter((m) => m.mark === svc.fwmark).map((m) => m.destination)
          : [svc.vip ?? ''];
      return svc.realServers
        .filter((m) => m.server === name)
        .flatMap((m) =>
          vips
            .filter((v) => v !== '')
            .map((v) => ({ vip: bareAddress(v), forwarding: m.forwarding ?? 'gate' })),
        );
    }),
  );
}

function natGateway(spec: Spec, address: string): string | null {
  for (const director of spec.directors) {
    const inside = director.interfaces.find((i) => i.role === 'inside' && cidrContains(i.address, address));
    if (inside) return bareAddress(inside.address);
  }
  return null;
}

/** Builds the companion view of real server `rs` (index `r` in `spec.realServers`). */
export function makeCompanionView(spec: Spec, rs: RealServer, r: number): CompanionView {
  const net = cidrForms(rs.address);
  const uses = memberships(spec, rs.name);
  const forwarding = FORWARDING_ORDER.filter((f) => uses.some((u) => u.forwarding === f));
  const vipsFor = (f: Forwarding): string[] => [
    ...new Set(uses.filter((u) => u.forwarding === f).map((u) => u.vip)),
  ];
  const gateway =
    rs.gateway !== undefined
      ? bareAddress(rs.gateway)
      : forwarding.includes('masq')
        ? natGateway(spec, net.address)
        : null;
  return {
    name: checkName('hostname', rs.name, `/realServers/${r}/name`),
    interface: checkName('interface', rs.interface ?? 'eth0', `/realServers/${r}/interface`),
    address: net.address,
    netmask: net.netmask,
    network: net.network,
    broadcast: net.broadcast,
    gateway,
    forwarding,
    loopbackVips: vipsFor('gate').map((address, i) => ({ label: `lo:${i}`, address })),
    tunnelVips: vipsFor('ipip'),
  };
}
