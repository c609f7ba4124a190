/**
 * The programs built from pinned source besides ipvsadm, in build order: one definition each
 * (src/stages/program/definition.ts), beside its catalog. Plan, sources, lock and the frozen gate, kernel
 * options, the programs build step, keepalived -t, rootfs, the release records and the director model's program
 * versions map over this table.
 *
 * A new program is its catalog (src/packages/<name>.json), its definition (src/packages/<name>.ts), its line in
 * TABLE, and its pin in the spec (src/spec/schema.json `properties.<name>`, `$ref: programSourcePin`, and
 * src/spec/types.ts): test/packages/programs.test.ts names what is missing.
 *
 * NOTE: ipvsadm is not on the table: its build needs the kernel (its IPVS version matched against the kernel's,
 * the kernel's headers for 1.24), every director runs it, and its lock entry and manifest record that pairing
 * (checkedWithKernel, ipvsVersion). It uses the same catalog shape, source plan and program build
 * (src/stages/ipvsadm.ts).
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
