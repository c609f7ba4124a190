/** Rules tying the spec to its pins: features the pinned kernel or ipvsadm lacks, ipvsadm ↔ kernel series. Pure. */
import { createRequire } from 'node:module';
import { compareKernelVersions, kernelAtLeast } from '../../lib/kernel-version.js';
import { eachService, problemAt, type Rule } from '../rule.js';
import type { Spec } from '../types.js';
import { IPVSADM_CATALOG, listIpvsadmVersions } from '../../packages/ipvsadm.js';
import ipvsadmFeatures from '../ipvsadm-features.json' with { type: 'json' };

const require = createRequire(import.meta.url);
interface Since {
  since: string;
  option?: string;
}
const KERNEL_FEATURES = (
  require('../../../kernel-config/features.json') as { features: Record<string, Since> }
).features;
const IPVSADM_FEATURES = (ipvsadmFeatures as { features: Record<string, Since> }).features;

/** True when the catalog says `version` speaks only the 2.4 IPVS interface (1.21); undefined when not in the catalog. */
function onlyFor24(version: string): boolean | undefined {
  const release = IPVSADM_CATALOG.releases.find((r) => r.version === version);
  if (release === undefined) return undefined;
  return release.targetKernels.max !== null && compareKernelVersions(release.targetKernels.max, '2.5') < 0;
}

/** A feature a spec uses: its key in kernel-config/features.json / ipvsadm-features.json, where, and how to name it. */
interface Use {
  feature: string;
  pointer: string;
  what: string;
}

/** Every kernel/ipvsadm feature the spec's services and netfilter sections use. */
export function featuresUsed(spec: Spec): Use[] {
  const uses: Use[] = eachService(spec).flatMap(({ service: s, pointer }) => [
    { feature: `protocol:${s.protocol}`, pointer: `${pointer}/protocol`, what: `protocol ${s.protocol}` },
    ...(s.scheduler
      ? [
          {
            feature: `scheduler:${s.scheduler}`,
            pointer: `${pointer}/scheduler`,
            what: `scheduler ${s.scheduler}`,
          },
        ]
      : []),
    ...(s.persistenceEngine
      ? [
          {
            feature: `persistence-engine:${s.persistenceEngine}`,
            pointer: `${pointer}/persistenceEngine`,
            what: `persistence engine ${s.persistenceEngine}`,
          },
        ]
      : []),
    ...(s.onePacket === true
      ? [{ feature: 'one-packet', pointer: `${pointer}/onePacket`, what: 'one-packet scheduling' }]
      : []),
    ...(s.schedulerFlags ?? []).flatMap((f, i) => [
      { feature: 'scheduler-flags', pointer: `${pointer}/schedulerFlags/${i}`, what: `scheduler flag ${f}` },
      ...(f.startsWith('mh-')
        ? [
            {
              feature: 'scheduler-flags:mh',
              pointer: `${pointer}/schedulerFlags/${i}`,
              what: `scheduler flag ${f}`,
            },
          ]
        : []),
    ]),
  ]);
  spec.directors.forEach((d, di) => {
    if ((d.netfilter?.marks ?? []).length > 0)
      uses.push({
        feature: 'netfilter:mark',
        pointer: `/directors/${di}/netfilter/marks`,
        what: 'netfilter marks (xt_MARK)',
      });
  });
  return uses;
}

/** Every feature the spec uses exists in the pinned kernel (kernel-config/features.json `since`). */
export const kernelHasFeatures: Rule = (spec) =>
  featuresUsed(spec).flatMap((u) => {
    const since = KERNEL_FEATURES[u.feature]?.since;
    return since === undefined || kernelAtLeast(spec.kernel.version, since)
      ? []
      : [
          problemAt(
            u.pointer,
            `${u.what} needs kernel ${since} or later; the pin is ${spec.kernel.version}`,
            `pin kernel ${since} or later, or do without ${u.what}`,
          ),
        ];
  });

/** The ipvsadm pin is a known release that fits the kernel series: 1.21 for 2.4 kernels, 1.24 or later for 2.6+. */
export const ipvsadmFitsKernel: Rule = (spec) => {
  const v = spec.ipvsadm.version;
  const only24 = onlyFor24(v);
  if (only24 === undefined)
    return [
      problemAt(
        '/ipvsadm/version',
        `unknown ipvsadm release ${v}`,
        `use one of: ${listIpvsadmVersions().join(', ')} (src/packages/ipvsadm.json)`,
      ),
    ];
  const kernel24 = compareKernelVersions(spec.kernel.version, '2.5') < 0;
  if (kernel24 && !only24)
    return [
      problemAt(
        '/ipvsadm/version',
        `ipvsadm ${v} needs a 2.6 or later kernel; the pin is ${spec.kernel.version}`,
        'pin ipvsadm "1.21" for a 2.4 kernel',
      ),
    ];
  if (!kernel24 && only24)
    return [
      problemAt(
        '/ipvsadm/version',
        `ipvsadm ${v} speaks only the 2.4 IPVS interface; the kernel pin is ${spec.kernel.version}`,
        'pin ipvsadm "1.24" or later for a 2.6+ kernel',
      ),
    ];
  return [];
};

/** Every feature the spec uses can be expressed by the pinned ipvsadm (src/spec/ipvsadm-features.json `since`). */
export const ipvsadmHasFeatures: Rule = (spec) =>
  featuresUsed(spec).flatMap((u) => {
    const f = IPVSADM_FEATURES[u.feature];
    return f === undefined ||
      onlyFor24(spec.ipvsadm.version) === undefined ||
      compareKernelVersions(spec.ipvsadm.version, f.since) >= 0
      ? []
      : [
          problemAt(
            u.pointer,
            `${u.what} (${f.option ?? ''}) needs ipvsadm ${f.since} or later; the pin is ${spec.ipvsadm.version}`,
            `pin ipvsadm "${f.since}" or later, or do without ${u.what}`,
          ),
        ];
  });
