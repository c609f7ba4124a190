/**
 * The programs built from pinned source besides ipvsadm, in build order: one definition each
 * (src/stages/program/definition.ts), beside its catalog. Plan, sources, lock and the frozen gate, kernel
 * options, the programs build step, keepalived -t, rootfs, the release records and the director model's program
 * versions map over this table.
 *
 * The spec's pin of each (its schema property, its field of Spec through ProgramPins, the rule that a spec using
 * it pins it), `lvs-image diff`'s label and the director model's program versions come from the definitions too.
 *
 * A new program is its catalog (src/packages/<name>.json), its definition (src/packages/<name>.ts, which declares
 * its pin in ProgramPins) and its line in TABLE, as a Buildroot package is its own folder plus one `source` line
 * in package/Config.in: tsc fails when a definition's pin or its line is missing (PinsOfTable below).
 *
 * NOTE: ipvsadm is not on the table: its build needs the kernel (its IPVS version matched against the kernel's,
 * the kernel's headers for 1.24), every director runs it, and its lock entry and manifest record that pairing
 * (checkedWithKernel, ipvsVersion). It uses the same catalog shape, source plan and program build
 * (src/stages/ipvsadm.ts).
 */
import type { ProgramPins, Spec } from '../spec/types.js';
import { usedPin, type DirectorRuns, type ProgramDefinition } from '../stages/program/definition.js';
import { BUSYBOX } from './busybox.js';
import { DROPBEAR } from './dropbear.js';
import { KEEPALIVED } from './keepalived.js';

const TABLE = [KEEPALIVED, DROPBEAR, BUSYBOX] as const;

/** A program's name: its spec key, catalog, source and lock entry. */
export type ProgramName = (typeof TABLE)[number]['name'];

/** True when the table's names are exactly the pins the definitions declare (ProgramPins). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when a definition declares a pin but is not on the table (or the other way round). */
export const PINS_OF_TABLE: Same<ProgramName, keyof ProgramPins> = true;

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
