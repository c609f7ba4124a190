/**
 * The lab planner's one source of a director's facts: its resolved model (src/director), read here and nowhere
 * else in the lab; plus the lab-only tables it derives (the IPVS table with one member changed, in the model's
 * ipvsadm dialect) and the metrics URL.
 */
import { resolveDirector } from '../../director/resolve.js';
import { formatIpvsadmRules } from '../../director/ipvsadm-rules.js';
import type { IpvsDest } from '../../director/ipvs-table.js';
import type { DirectorModel, ModelService } from '../../director/types.js';
import type { Director, Spec } from '../../spec/types.js';

export { bareAddress } from '../../lib/address.js';
export type { DirectorModel, ModelService };

/** The model of `director`, which the lab planner reads. */
export function directorModel(spec: Spec, director: Director): DirectorModel {
  return resolveDirector(spec, director);
}

/** `ipvsadm -Sn` of the model's whole table, one line each, newline-terminated. */
export function healthyRules(model: DirectorModel): string {
  return model.ipvs.rules.map((l) => `${l}\n`).join('');
}

/** `ipvsadm -Sn` of the model's table with `service`'s destination `dest` replaced by `edit`'s result. */
export function rulesWith(
  model: DirectorModel,
  service: ModelService,
  dest: IpvsDest,
  edit: (d: IpvsDest) => IpvsDest[],
): string {
  const services = model.ipvs.services.map((s) =>
    s === service ? { ...s, dests: s.dests.flatMap((d) => (d === dest ? edit(d) : [d])) } : s,
  );
  return formatIpvsadmRules(services, model.ipvs.ipvsadm.dialect);
}

/** The metrics URL of a director serving access.metrics at `m`. */
export function metricsUrl(m: { address: string; port: number }): string {
  return `http://${m.address}:${m.port}/cgi-bin/metrics`;
}
