/**
 * The programs built from pinned source besides ipvsadm, in build order: one definition each
 * (src/stages/program/definition.ts), beside its catalog. Plan, sources, lock, the build step, rootfs, kernel
 * options and the release records map over this table.
 */
import type { Spec } from '../spec/types.js';
import { usedPin, type DirectorRuns, type ProgramDefinition } from '../stages/program/definition.js';
import { BUSYBOX } from './busybox.js';
import { DROPBEAR } from './dropbear.js';
import { KEEPALIVED } from './keepalived.js';

const TABLE = [KEEPALIVED, DROPBEAR, BUSYBOX] as const;

/** A program's name: its spec key, catalog, source and lock entry. */
export type ProgramName = (typeof TABLE)[number]['name'];

/** The programs, in build order. */
export const PROGRAMS: readonly ProgramDefinition<ProgramName>[] = TABLE;

/** The program called `name`. */
export function programNamed(name: ProgramName): ProgramDefinition<ProgramName> {
  const p = PROGRAMS.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no program ${name} in src/packages/programs.ts`);
  return p;
}

/** Each program's version where `director` runs it, else null: what state.json records (src/diff/state.ts). Pure. */
export function programVersions(spec: Spec, director: DirectorRuns): Record<ProgramName, string | null> {
  const version = (p: ProgramDefinition<ProgramName>): string | null => {
    const pin = usedPin(spec, p);
    return pin !== undefined && p.runsOn(director) ? pin.version : null;
  };
  return Object.fromEntries(PROGRAMS.map((p) => [p.name, version(p)])) as Record<ProgramName, string | null>;
}
