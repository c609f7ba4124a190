/**
 * The director's IPVS table as the model holds it: ipvsadm's resolved table (src/director/ipvs-table.ts) plus, per
 * service, each member's effective health check and the sorry server, and the save-format lines in the spec's
 * ipvsadm dialect. Pure.
 */
import { bareAddress } from '../lib/address.js';
import { effectiveCheck } from '../spec/health-check.js';
import type { Director, Spec } from '../spec/types.js';
import { IPVSADM_DEFAULTS, resolveIpvsTable } from './ipvs-table.js';
import { formatIpvsadmRules, formatIpvsadmThresholds, ipvsadmDialect } from './ipvsadm-rules.js';
import type { ModelIpvs, ModelService } from './types.js';

/** Text lines without the final newline (empty text: no lines). */
export function textLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** The services of `director` with checks and sorry servers, in spec order. */
export function resolveServices(spec: Spec, director: Director): ModelService[] {
  const byName = new Map(spec.realServers.map((r) => [r.name, r]));
  return resolveIpvsTable(director, spec.realServers).map((svc, i) => {
    const service = director.services[i];
    const sorry = service?.sorryServer;
    const sorryRs = sorry !== undefined ? byName.get(sorry.server) : undefined;
    return {
      ...svc,
      checks: service === undefined ? [] : service.realServers.map((m) => effectiveCheck(service, m)),
      sorry:
        sorry === undefined || sorryRs === undefined
          ? null
          : {
              server: sorryRs.name,
              address: bareAddress(sorryRs.address),
              port: sorry.port ?? svc.port,
              forwarding: sorry.forwarding ?? svc.dests[0]?.forwarding ?? IPVSADM_DEFAULTS.forwarding,
              weight: 1,
              upperThreshold: null,
              lowerThreshold: null,
            },
    };
  });
}

/** The model's IPVS part: the table and its `ipvsadm -Sn` / thresholds lines in the spec's ipvsadm dialect. */
export function resolveIpvs(spec: Spec, director: Director): ModelIpvs {
  const services = resolveServices(spec, director);
  const dialect = ipvsadmDialect(spec.ipvsadm.version);
  return {
    ipvsadm: { version: spec.ipvsadm.version, dialect },
    services,
    rules: textLines(formatIpvsadmRules(services, dialect)),
    thresholds: textLines(formatIpvsadmThresholds(services, dialect)),
  };
}
