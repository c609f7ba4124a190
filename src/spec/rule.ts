/** The shape of a cross-field rule and small helpers the rule modules share. Pure. */
import type { Problem } from '../lib/errors.js';
import type { Director, ServiceRealServer, Spec, VirtualService } from './types.js';

/** A named cross-field check over a spec with defaults applied: returns its problems (pointer + message + hint). */
export type Rule = (spec: Spec) => Problem[];

/** One problem at a JSON pointer. */
export function problemAt(pointer: string, message: string, hint?: string): Problem {
  return hint === undefined ? { pointer, message } : { pointer, message, hint };
}

/** A service together with its director and pointer. */
export interface ServiceAt {
  director: Director;
  service: VirtualService;
  pointer: string;
}

/** Every service of every director, with its pointer. */
export function eachService(spec: Spec): ServiceAt[] {
  return spec.directors.flatMap((director, d) =>
    director.services.map((service, s) => ({ director, service, pointer: `/directors/${d}/services/${s}` })),
  );
}

/** A service member together with its service and pointer. */
export interface MemberAt extends ServiceAt {
  member: ServiceRealServer;
  memberPointer: string;
}

/** Every real-server membership of every service, with its pointer. */
export function eachMember(spec: Spec): MemberAt[] {
  return eachService(spec).flatMap((at) =>
    at.service.realServers.map((member, r) => ({
      ...at,
      member,
      memberPointer: `${at.pointer}/realServers/${r}`,
    })),
  );
}

/** `tcp 10.10.31.100:80` or `fwmark 1`, for messages. */
export function serviceName(svc: VirtualService): string {
  return svc.protocol === 'fwmark'
    ? `fwmark ${svc.fwmark ?? '?'}`
    : `${svc.protocol} ${svc.vip ?? '?'}:${svc.port ?? '?'}`;
}

/** Reports every value that appears more than once in `items` (keyed by `key`), at each repeat. */
export function findDuplicates<T>(
  items: readonly T[],
  key: (item: T) => string | undefined,
  report: (item: T, index: number, firstIndex: number) => Problem,
): Problem[] {
  const first = new Map<string, number>();
  const out: Problem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const f = first.get(k);
    if (f === undefined) first.set(k, i);
    else out.push(report(item, i, f));
  });
  return out;
}
