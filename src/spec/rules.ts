/** Gate 3: the cross-field rules, as data: named functions over a spec with defaults applied. Pure. */
import type { Problem } from '../lib/errors.js';
import type { Rule } from './rule.js';
import type { Spec } from './types.js';

export type { Rule } from './rule.js';

/** Rules whose problems fail validation. */
export const RULES: readonly Rule[] = [];

/** Rules whose problems are printed but never fail validation. */
export const WARNING_RULES: readonly Rule[] = [];

/** Runs every rule in `rules` over `spec` and returns all their problems, in rule order. */
export function checkRules(spec: Spec, rules: readonly Rule[] = RULES): Problem[] {
  return rules.flatMap((rule) => rule(spec));
}
