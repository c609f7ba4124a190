/**
 * A director's IPVS table as the kernel will hold it: every spec default resolved the way ipvsadm resolves
 * it (ipvsadm-1.31/ipvsadm.c: DEF_SCHED `wlc`, weight 1, forwarding `-g`, `-p` = 360 s, mask /32,
 * a destination port copied from the service, DR/TUN ports forced to the service port).
 */
import type { Director, Forwarding, Protocol, RealServer, SchedulerFlag } from '../spec/types.js';
import { bareAddress } from '../lib/address.js';
import { InternalError } from '../lib/errors.js';

/** One destination (real server) of a resolved service. */
export interface IpvsDest {
  /** Spec name of the real server. */
  server: string;
  address: string;
  port: number;
  forwarding: Forwarding;
  weight: number;
  upperThreshold: number | null;
  lowerThreshold: number | null;
}

/** One resolved virtual service. */
export interface IpvsService {
  protocol: Protocol;
  /** Dotted VIP; `0.0.0.0` for fwmark services. */
  vip: string;
  /** Service port; 0 for fwmark services. */
  port: number;
  /** Firewall mark; 0 for address services. */
  fwmark: number;
  scheduler: string;
  /** Persistence timeout in seconds, null when not persistent. */
  persistenceTimeout: number | null;
  /** Dotted persistence netmask (only meaningful when persistent). */
  persistenceNetmask: string;
  persistenceEngine: string | null;
  onePacket: boolean;
  schedulerFlags: SchedulerFlag[];
  dests: IpvsDest[];
}

/** ipvsadm's defaults for fields the spec may leave out (ipvsadm.c, libipvs.h). */
export const IPVSADM_DEFAULTS = {
  scheduler: 'wlc',
  weight: 1,
  forwarding: 'gate' as Forwarding,
  persistenceTimeout: 360,
  persistenceNetmask: '255.255.255.255',
} as const;

/** Resolves a director's services against the spec's real servers, in spec order. */
export function resolveIpvsTable(director: Director, realServers: readonly RealServer[]): IpvsService[] {
  const byName = new Map(realServers.map((rs) => [rs.name, rs]));
  return director.services.map((svc) => {
    const isFwmark = svc.protocol === 'fwmark';
    const port = isFwmark ? 0 : (svc.port ?? 0);
    return {
      protocol: svc.protocol,
      vip: isFwmark ? '0.0.0.0' : bareAddress(svc.vip ?? '0.0.0.0'),
      port,
      fwmark: isFwmark ? (svc.fwmark ?? 0) : 0,
      scheduler: svc.scheduler ?? IPVSADM_DEFAULTS.scheduler,
      persistenceTimeout: svc.persistence
        ? (svc.persistence.timeout ?? IPVSADM_DEFAULTS.persistenceTimeout)
        : null,
      persistenceNetmask: svc.persistence?.netmask ?? IPVSADM_DEFAULTS.persistenceNetmask,
      persistenceEngine: svc.persistenceEngine ?? null,
      onePacket: svc.onePacket ?? false,
      schedulerFlags: svc.schedulerFlags ?? [],
      dests: svc.realServers.map((member) => {
        const rs = byName.get(member.server);
        if (rs === undefined) {
          // The spec rules reject unknown names before rendering; reaching here is a bug.
          throw new InternalError(`service member ${member.server} names no entry in realServers`);
        }
        const forwarding = member.forwarding ?? IPVSADM_DEFAULTS.forwarding;
        // ipvsadm copies the service port when none is given, and forces it for DR/TUN (not for fwmark).
        const forced = !isFwmark && forwarding !== 'masq';
        return {
          server: rs.name,
          address: bareAddress(rs.address),
          port: forced ? port : (member.port ?? port),
          forwarding,
          weight: member.weight ?? IPVSADM_DEFAULTS.weight,
          upperThreshold: member.upperThreshold ?? null,
          lowerThreshold: member.lowerThreshold ?? null,
        };
      }),
    };
  });
}
