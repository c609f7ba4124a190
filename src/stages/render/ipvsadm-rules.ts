/**
 * NOTE: kept only for src/lab/plan.ts and src/lab/pair-plan.ts until they read the director model, whose
 * `ipvs.rules` are already in the spec's dialect; the formatter lives in src/director/ipvsadm-rules.ts.
 */
import type { IpvsService } from '../../director/ipvs-table.js';
import { formatIpvsadmRules as format, ipvsadmDialect } from '../../director/ipvsadm-rules.js';

/** `ipvsadm -Sn` of `table` as ipvsadm `version` prints it (1.31 when not given, as the lab asks today). */
export function formatIpvsadmRules(table: readonly IpvsService[], version = '1.31'): string {
  return format(table, ipvsadmDialect(version));
}
