/**
 * The programs built from pinned source that a director may carry besides ipvsadm, and when a spec runs each:
 * keepalived (health checks, pairs), dropbear (access.ssh) and busybox's extra applets (access.ntp: ntpd). One table for every stage that treats them alike
 * (kernel needs, sources, lock). Pure.
 */
import { BUSYBOX_CATALOG } from '../packages/busybox.js';
import { DROPBEAR_CATALOG } from '../packages/dropbear.js';
import { KEEPALIVED_CATALOG } from '../packages/keepalived.js';
import type { KernelNeed, ProgramCatalog, ProgramRelease } from '../packages/program.js';
import { specUsesKeepalived } from './health-check.js';
import type { ProgramSourcePin, Spec } from './types.js';

/** The spec keys of the optional programs. */
export type OptionalProgramName = 'keepalived' | 'dropbear' | 'busybox';

/** One optional program: its catalog, its pin, and whether the spec runs it. */
export interface OptionalProgram {
  name: OptionalProgramName;
  catalog: ProgramCatalog<ProgramRelease & { kernelOptions: KernelNeed[] }>;
  /** True when some director of the spec runs it (a pin alone builds nothing). */
  used: (spec: Spec) => boolean;
  /** What to take out of the spec to do without it (error hints). */
  usedBy: string;
}

/** The optional programs, in build order. */
export const OPTIONAL_PROGRAMS: readonly OptionalProgram[] = [
  {
    name: 'keepalived',
    catalog: KEEPALIVED_CATALOG,
    used: specUsesKeepalived,
    usedBy: 'the health checks, sorry servers and pairs',
  },
  {
    name: 'dropbear',
    catalog: DROPBEAR_CATALOG,
    used: (spec) => spec.access?.ssh !== undefined,
    usedBy: 'access.ssh',
  },
  {
    name: 'busybox',
    catalog: BUSYBOX_CATALOG,
    used: (spec) => spec.access?.ntp !== undefined,
    usedBy: 'access.ntp',
  },
];

/** The pin of `name` when the spec runs that program, else undefined. */
export function usedPin(spec: Spec, name: OptionalProgramName): ProgramSourcePin | undefined {
  const pin = spec[name];
  const p = OPTIONAL_PROGRAMS.find((x) => x.name === name);
  return pin !== undefined && p !== undefined && p.used(spec) ? pin : undefined;
}
