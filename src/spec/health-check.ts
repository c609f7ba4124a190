/**
 * The health check that applies to one service member: the service's check, the member's overrides on top, the
 * documented defaults under both (src/spec/defaults.ts). Pure; used by the rules and by the keepalived renderer.
 */
import { DEFAULTS } from './defaults.js';
import type {
  Director,
  DirectorPair,
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

/** The pair (VRRP group) `director` belongs to, if any. */
export function pairOf(spec: Spec, director: Director): DirectorPair | undefined {
  return (spec.pairs ?? []).find((p) => p.directors.includes(director.hostname));
}

/**
 * True when keepalived owns this director's IPVS table: it is a pair member (keepalived holds its floating
 * addresses), or one of its services has a check or a sorry server.
 */
export function usesKeepalived(spec: Spec, director: Director): boolean {
  return pairOf(spec, director) !== undefined || hasChecks(director);
}

/** True when one of the director's services has a health check or a sorry server. */
export function hasChecks(director: Director): boolean {
  return director.services.some(
    (s) =>
      s.healthCheck !== undefined ||
      s.sorryServer !== undefined ||
      s.realServers.some((m) => m.healthCheck !== undefined),
  );
}

/** True when a director of the spec has health checks or sorry servers (pairs aside). */
export function specHasChecks(spec: Spec): boolean {
  return spec.directors.some(hasChecks);
}

/** True when any director of the spec runs keepalived. */
export function specUsesKeepalived(spec: Spec): boolean {
  return spec.directors.some((d) => usesKeepalived(spec, d));
}

/** How a director's IPVS table is written: by /init from ipvsadm rules, or by keepalived. */
export type DirectorMode = 'rules' | 'keepalived';

export function directorMode(spec: Spec, director: Director): DirectorMode {
  return usesKeepalived(spec, director) ? 'keepalived' : 'rules';
}

/**
 * The longest time from a member's failure to keepalived taking it out: the wait for the next check, that check
 * timing out, then each retry after its delay timing out too (keepalived's `retry` counts checks after the first).
 */
export function detectionBound(c: EffectiveCheck): number {
  return c.interval + c.timeout + c.retries * (c.retryDelay + c.timeout);
}
