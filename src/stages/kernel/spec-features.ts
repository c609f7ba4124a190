/** Which features.json features a spec uses, each with the spec path that asks for it. Pure. */
import type { Spec } from '../../spec/types.js';

/** A feature a spec needs and where it asks for it (JSON pointer). */
export interface FeatureUse {
  feature: string;
  pointer: string;
}

/** ipvsadm's default scheduler and forwarding method when a spec leaves them out (ipvsadm.c DEF_SCHED, -g). */
const DEFAULT_SCHEDULER = 'wlc';
const DEFAULT_FORWARDING = 'gate';

/** Lists the features the spec uses, in spec order, the first use of each feature only. */
export function listSpecFeatures(spec: Spec): FeatureUse[] {
  const uses: FeatureUse[] = [{ feature: 'ipvs', pointer: '/directors' }];
  spec.directors.forEach((d, di) => {
    d.services.forEach((s, si) => {
      const at = `/directors/${di}/services/${si}`;
      uses.push({ feature: `protocol:${s.protocol}`, pointer: `${at}/protocol` });
      uses.push({ feature: `scheduler:${s.scheduler ?? DEFAULT_SCHEDULER}`, pointer: `${at}/scheduler` });
      if (s.persistenceEngine)
        uses.push({
          feature: `persistence-engine:${s.persistenceEngine}`,
          pointer: `${at}/persistenceEngine`,
        });
      if (s.schedulerFlags?.length)
        uses.push({ feature: 'scheduler-flags', pointer: `${at}/schedulerFlags` });
      if (s.onePacket) uses.push({ feature: 'one-packet', pointer: `${at}/onePacket` });
      s.realServers.forEach((r, ri) => {
        uses.push({
          feature: `forwarding:${r.forwarding ?? DEFAULT_FORWARDING}`,
          pointer: `${at}/realServers/${ri}/forwarding`,
        });
      });
    });
    if (d.netfilter?.marks?.length)
      uses.push({ feature: 'netfilter:mark', pointer: `/directors/${di}/netfilter/marks` });
    d.netfilter?.rules?.forEach((r, ri) => {
      uses.push({ feature: `netfilter:${r.table}`, pointer: `/directors/${di}/netfilter/rules/${ri}/table` });
    });
  });
  if (spec.image?.compression)
    uses.push({ feature: `compression:${spec.image.compression}`, pointer: '/image/compression' });
  const seen = new Set<string>();
  return uses.filter((u) => (seen.has(u.feature) ? false : (seen.add(u.feature), true)));
}
