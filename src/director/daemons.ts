/**
 * Which daemons a director's /init starts, in start order: the rows of the runtime's daemon table
 * (src/runtime/daemons.ts) whose `when` holds for this director. Names only; how each runs is the table's. Pure.
 */
import { runningDaemons } from '../runtime/daemons.js';
import type { DaemonName, DirectorModel } from './types.js';

/** The daemons of a director with this mode, access and watchdog. */
export function directorDaemons(m: Pick<DirectorModel, 'mode' | 'access' | 'watchdog'>): DaemonName[] {
  return runningDaemons(m).map((d) => d.name);
}
