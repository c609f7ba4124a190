/** applyDefaults: fills every optional field with its documented default (ipvsadm's own defaults where they exist). Pure. */
import { bareAddress, inSubnet, parseCidr, parseIpv4 } from '../lib/address.js';
import type { Director, RealServer, ServiceRealServer, Spec, VirtualService } from './types.js';

/** ipvsadm's and lvs-image's defaults, in one table (lvs-facts §5a for the ipvsadm ones). */
export const DEFAULTS = {
  scheduler: 'wlc',
  weight: 1,
  forwarding: 'gate',
  persistenceTimeout: 360,
  persistenceNetmask: '255.255.255.255',
  realServerInterface: 'eth0',
  kernelProfile: 'full',
  kernelOptions: 'builtin',
  kernelBase: 'tinyconfig',
  ipvsadmLink: 'static',
  compression: 'gzip',
  console: 'ttyS0,115200',
  epoch: 0,
  /** Seconds /init waits for each link's carrier: autonegotiation takes 1-5 s on a real NIC. */
  carrierWait: 10,
  /** The watchdog feeder: the device resets the machine `timeout` s after the last feed; fed every `interval` s. */
  watchdog: { timeout: 60, interval: 10 },
  /** Seconds between IPVS sync resyncs of an open connection (net.ipv4.vs.sync_refresh_period). */
  syncRefreshPeriod: 1,
  /** Health-check fields (keepalived keywords in src/stages/render/keepalived-conf.ts). */
  healthCheck: {
    path: '/',
    status: 200,
    interval: 5,
    timeout: 3,
    retries: 2,
    retryDelay: 1,
    onFailure: 'quiesce',
  },
} as const;

/** Returns a copy of `spec` with every optional field filled in; the input is not modified. */
export function applyDefaults(spec: Spec): Spec {
  const s = structuredClone(spec);
  s.kernel.profile ??= DEFAULTS.kernelProfile;
  s.kernel.options ??= DEFAULTS.kernelOptions;
  s.kernel.base ??= DEFAULTS.kernelBase;
  s.ipvsadm.link ??= DEFAULTS.ipvsadmLink;
  s.image = {
    compression: DEFAULTS.compression,
    epoch: DEFAULTS.epoch,
    console: DEFAULTS.console,
    ...s.image,
  };
  for (const d of s.directors) for (const svc of d.services) fillService(svc);
  for (const rs of s.realServers) fillRealServer(rs, s);
  return s;
}

function fillService(svc: VirtualService): void {
  svc.scheduler ??= DEFAULTS.scheduler;
  if (svc.persistence) {
    svc.persistence.timeout ??= DEFAULTS.persistenceTimeout;
    svc.persistence.netmask ??= DEFAULTS.persistenceNetmask;
  }
  for (const rs of svc.realServers) fillMember(rs, svc);
}

function fillMember(rs: ServiceRealServer, svc: VirtualService): void {
  // fwmark destinations have no port of their own: ipvsadm prints them as :0 (measured-here.md).
  rs.port ??= svc.protocol === 'fwmark' ? 0 : svc.port;
  rs.forwarding ??= DEFAULTS.forwarding;
  rs.weight ??= DEFAULTS.weight;
}

function fillRealServer(rs: RealServer, spec: Spec): void {
  rs.interface ??= DEFAULTS.realServerInterface;
  if (rs.gateway === undefined && usedWithNat(rs.name, spec.directors)) {
    const gw = floatingGatewayFor(rs.address, spec) ?? natGatewayFor(rs.address, spec.directors);
    if (gw !== undefined) rs.gateway = gw;
  }
}

/** For a real server behind a director pair: the pair's floating address in its subnet (it moves with the master). */
export function floatingGatewayFor(address: string, spec: Spec): string | undefined {
  const ip = parseIpv4(bareAddress(address));
  if (ip === null) return undefined;
  for (const pair of spec.pairs ?? []) {
    const member = spec.directors.find((d) => pair.directors.includes(d.hostname));
    for (const inst of pair.instances) {
      const nic = member?.interfaces.find((n) => n.name === inst.interface);
      const cidr = nic !== undefined ? parseCidr(nic.address) : null;
      if (cidr === null || nic?.role !== 'inside' || !inSubnet(ip, cidr)) continue;
      const found = inst.addresses.find((a) => {
        const f = parseIpv4(a);
        return f !== null && inSubnet(f, cidr);
      });
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** True when any service forwards to the real server `name` by NAT (explicit `masq`). */
export function usedWithNat(name: string, directors: readonly Director[]): boolean {
  return directors.some((d) =>
    d.services.some((svc) => svc.realServers.some((m) => m.server === name && m.forwarding === 'masq')),
  );
}

/** The address of the first director inside interface whose subnet holds `address`; undefined when none. */
export function natGatewayFor(address: string, directors: readonly Director[]): string | undefined {
  const ip = parseIpv4(bareAddress(address));
  if (ip === null) return undefined;
  for (const d of directors) {
    for (const nic of d.interfaces) {
      const cidr = parseCidr(nic.address);
      if (nic.role === 'inside' && cidr && inSubnet(ip, cidr)) return bareAddress(nic.address);
    }
  }
  return undefined;
}
