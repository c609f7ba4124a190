/** The shape of a lab check module, and the context every check runs in. */
import type { Guest } from '../../lib/qemu.js';
import type { LabContext } from '../context.js';
import type { LabOps, LabPlan } from '../plan/types.js';
import type { LabCheck, Tally } from '../tally.js';

/** A check's context: the running lab and the (first) director's guest. */
export interface CheckContext extends LabContext {
  guest: Guest;
}

/** One check module of the registry: whether the plan calls for it, and the checks it reports. */
export interface LabCheckModule {
  id: string;
  applies: (plan: LabPlan) => boolean;
  run: (ctx: CheckContext) => Promise<LabCheck[]>;
  /** The scenarios only run once this check passed (keepalived's table must be whole first). */
  gate?: boolean;
}

const NO_TALLY: Tally = { byServer: {}, unknown: 0, failed: 0 };

/** A check without client answers. */
export function verdict(name: string, ok: boolean, detail: string, tally: Tally = NO_TALLY): LabCheck {
  return { name, ok, tally, detail };
}

/**
 * A check of a lone director's access: it applies when the plan's ops host has part `key` (`scan` always), and
 * runs with that part and the ops host.
 */
export function accessCheck<K extends keyof LabOps>(
  id: string,
  key: K,
  run: (ctx: CheckContext, part: NonNullable<LabOps[K]>, ops: LabOps) => Promise<LabCheck[]>,
): LabCheckModule {
  return {
    id,
    applies: (plan) => plan.members.length === 1 && plan.ops?.[key] !== undefined,
    run: (ctx) => {
      const ops = ctx.plan.ops;
      const part = ops?.[key];
      return ops === undefined || part === undefined || part === null
        ? Promise.resolve([])
        : run(ctx, part, ops);
    },
  };
}
