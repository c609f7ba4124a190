/**
 * Preflight for ipvsadm's source (gate 4, before any work): the release is in the catalog, a checksum pins it,
 * and a local tarball has the pinned sha256. Problems are returned, not thrown, so preflight lists them all.
 */
import { existsSync, statSync } from 'node:fs';
import { SpecError, type Problem } from '../../lib/errors.js';
import { sha256File } from '../../lib/fs.js';
import { findIpvsadmRelease } from '../../packages/ipvsadm.js';
import type { Spec } from '../../spec/types.js';
import { planIpvsadmSource, type SourcePlan } from './source.js';

/** Every problem with the spec's ipvsadm source that can be found without downloading or building. */
export async function checkIpvsadmSource(spec: Spec, specDir = '.'): Promise<Problem[]> {
  let plan: SourcePlan;
  try {
    plan = planIpvsadmSource(spec.ipvsadm, findIpvsadmRelease(spec.ipvsadm.version), specDir);
  } catch (err) {
    if (err instanceof SpecError) return err.problems;
    throw err;
  }
  if (plan.kind !== 'path' || plan.sha256 === null || !existsSync(plan.path)) return [];
  if (!statSync(plan.path).isFile()) return [];
  const actual = await sha256File(plan.path);
  if (actual === plan.sha256) return [];
  return [
    {
      pointer: '/ipvsadm/source/sha256',
      message: `${plan.path}: sha256 mismatch: expected ${plan.sha256}, actual ${actual}`,
      hint: 'the file is corrupt or was tampered with; replace it, or pin the new sha256 if you verified it',
    },
  ];
}
