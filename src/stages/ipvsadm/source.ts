/** ipvsadm's source plan: the generic program source plan (src/stages/program/source.ts) for `ipvsadm`. */
import type { IpvsadmRelease } from '../../packages/ipvsadm.js';
import type { IpvsadmPin } from '../../spec/types.js';
import { planProgramSource, type SourcePlan } from '../program/source.js';

export {
  origTarballVersion,
  parseAptPrintUris,
  parseDscSha256,
  type AptSourceFile,
  type FetchedSource,
  type SourcePlan,
} from '../program/source.js';

/** planProgramSource for ipvsadm. */
export function planIpvsadmSource(pin: IpvsadmPin, release: IpvsadmRelease, baseDir = '.'): SourcePlan {
  return planProgramSource('ipvsadm', pin, release, baseDir);
}
