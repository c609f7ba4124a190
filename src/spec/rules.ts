/** Gate 3: the cross-field rules, as data: named functions over a spec with defaults applied. Pure. */
import type { Problem } from '../lib/errors.js';
import type { Rule } from './rule.js';
import { drOnDirectorSubnet, natGatewayBypass, natOnInsideSubnet, vipOnInterface } from './rules/network.js';
import {
  fwmarkIsSet,
  knownRealServers,
  serviceVipKnown,
  uniqueMembers,
  uniqueNames,
  uniqueServices,
} from './rules/references.js';
import {
  forwardedPortUnchanged,
  memberPortRange,
  onePacketUdpOnly,
  persistenceNetmask,
  schedulerFlagsMatch,
  servicePortRange,
  serviceShape,
  thresholdOrder,
  weightRange,
} from './rules/services.js';
import { ipvsadmFitsKernel, ipvsadmHasFeatures, kernelHasFeatures } from './rules/versions.js';
import type { Spec } from './types.js';

export type { Rule } from './rule.js';

/** Rules whose problems fail validation, in the order their problems are listed. */
export const RULES: readonly Rule[] = [
  uniqueNames,
  serviceShape,
  servicePortRange,
  memberPortRange,
  weightRange,
  thresholdOrder,
  persistenceNetmask,
  onePacketUdpOnly,
  schedulerFlagsMatch,
  forwardedPortUnchanged,
  knownRealServers,
  serviceVipKnown,
  uniqueServices,
  uniqueMembers,
  fwmarkIsSet,
  vipOnInterface,
  natOnInsideSubnet,
  drOnDirectorSubnet,
  kernelHasFeatures,
  ipvsadmFitsKernel,
  ipvsadmHasFeatures,
];

/** Rules whose problems are printed but never fail validation. */
export const WARNING_RULES: readonly Rule[] = [natGatewayBypass];

/** Runs every rule in `rules` over `spec` and returns their problems in rule order, each fault once. */
export function checkRules(spec: Spec, rules: readonly Rule[] = RULES): Problem[] {
  const seen = new Set<string>();
  return rules
    .flatMap((rule) => rule(spec))
    .filter((p) => {
      const key = `${p.pointer ?? ''}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
