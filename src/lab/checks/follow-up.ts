/** The checks a pair scenario runs once its change took effect (who holds the addresses), by name. */
import type { LabContext } from '../context.js';
import type { FollowUp } from '../plan/types.js';
import type { LabCheck } from '../tally.js';

/** A follow-up check: `mark` is how many syslog lines the log host had before the change. */
export type FollowUpCheck = (ctx: LabContext, f: FollowUp, mark: number) => Promise<LabCheck>;
