/**
 * The health check that applies to one service member: the service's check, the member's overrides on top, the
 * documented defaults under both (src/spec/defaults.ts). Pure; used by the rules and by the keepalived renderer.
 */
import { DEFAULTS } from './defaults.js';
import type {
  Director,
  HealthCheckType,
  OnFailure,
  ServiceRealServer,
  Spec,
  VirtualService,
} from './types.js';

/** A member's check with every field filled; `port` null means the member's own port. */
export interface EffectiveCheck {
  type: HealthCheckType;
  port: number | null;
  path: string;
  host: string | null;
  status: number;
  interval: number;
  timeout: number;
  retries: number;
  retryDelay: number;
  onFailure: OnFailure;
}

/** The check of `member` in `service`, or null when neither the service nor the member has one. */
export function effectiveCheck(service: VirtualService, member: ServiceRealServer): EffectiveCheck | null {
  const svc = service.healthCheck;
  const own = member.healthCheck;
  if (svc === undefined && own === undefined) return null;
  const merged = { ...svc, ...own };
  const d = DEFAULTS.healthCheck;
  return {
    type: merged.type ?? 'none',
    port: merged.port ?? null,
    path: merged.path ?? d.path,
    host: merged.host ?? null,
    status: merged.status ?? d.status,
    interval: merged.interval ?? d.interval,
    timeout: merged.timeout ?? d.timeout,
    retries: merged.retries ?? d.retries,
    retryDelay: merged.retryDelay ?? d.retryDelay,
    onFailure: merged.onFailure ?? d.onFailure,
  };
}

/** True when keepalived owns this director's IPVS table: one of its services has a check or a sorry server. */
export function usesKeepalived(director: Director): boolean {
  return director.services.some(
    (s) =>
      s.healthCheck !== undefined ||
      s.sorryServer !== undefined ||
      s.realServers.some((m) => m.healthCheck !== undefined),
  );
}

/** True when any director of the spec runs keepalived. */
export function specUsesKeepalived(spec: Spec): boolean {
  return spec.directors.some(usesKeepalived);
}

/** How a director's IPVS table is written: by /init from ipvsadm rules, or by keepalived. */
export type DirectorMode = 'rules' | 'keepalived';

export function directorMode(director: Director): DirectorMode {
  return usesKeepalived(director) ? 'keepalived' : 'rules';
}

/**
 * The longest time from a member's failure to keepalived taking it out: the wait for the next check, that check
 * timing out, then each retry after its delay timing out too (keepalived's `retry` counts checks after the first).
 */
export function detectionBound(c: EffectiveCheck): number {
  return c.interval + c.timeout + c.retries * (c.retryDelay + c.timeout);
}
