/** The rule every program of the table (src/packages/programs.ts) shares: a spec pins what it uses. Pure. */
import type { Problem } from '../../lib/errors.js';
import { PROGRAMS } from '../../packages/programs.js';
import type { ProgramDefinition } from '../../stages/program/definition.js';
import { problemAt, type Rule } from '../rule.js';
import type { Spec } from '../types.js';

/**
 * One program: each case of its definition's `pin.needs` that holds wants the pin (the hint gives the catalog's
 * newest release), and a pin given names a release of its catalog.
 */
function pinned(spec: Spec, p: ProgramDefinition): Problem[] {
  const pin = spec[p.name];
  const releases = p.catalog.releases;
  if (pin === undefined) {
    const newest = releases.at(-1);
    const hint = `add ${p.name}: { version: '${newest?.version ?? ''}', source: { debian: ${newest?.debian?.package ?? p.name} } }`;
    return p.pin.needs
      .filter((need) => need.when(spec))
      .map((need) => problemAt(need.pointer, `${need.reason}, and the spec pins none`, hint));
  }
  return releases.some((r) => r.version === pin.version)
    ? []
    : [
        problemAt(
          `/${p.name}/version`,
          `${p.name} ${pin.version} is not in the catalog`,
          `use one of ${releases.map((r) => r.version).join(', ')} (src/packages/${p.name}.json)`,
        ),
      ];
}

/** Each program of the table a spec uses is pinned, and every pin is a release of its program's catalog. */
export const programsPinned: Rule = (spec) => PROGRAMS.flatMap((p) => pinned(spec, p));

/** programsPinned's line in docs/spec-reference.md, naming each program and what makes a spec use it. */
export const PROGRAMS_PINNED_SUMMARY = `A spec pins each program it uses (\`<program>.version\`), a release of src/packages/<program>.json: ${PROGRAMS.map((p) => `${p.name} for ${p.usedBy}`).join(', ')}. Every pin given is a release of its catalog.`;
