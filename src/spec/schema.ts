/**
 * The spec's JSON Schema as a value, for ajv, `lvs-image schema` and the reference docs: src/spec/schema.json plus
 * one pin property per program of the table (src/packages/programs.ts), placed after `ipvsadm`, each described by
 * its definition. Pure.
 */
import { InternalError } from '../lib/errors.js';
import { PROGRAMS } from '../packages/programs.js';
import schema from './schema.json' with { type: 'json' };

/** The pin properties of the table's programs, in table order. */
function programPins(): [string, unknown][] {
  return PROGRAMS.map((p) => [
    p.name,
    { description: p.pin.description, $ref: '#/definitions/programSourcePin' },
  ]);
}

/** `schema` with the program pins inserted after `ipvsadm` in its top-level properties. */
function withProgramPins(base: typeof schema): Record<string, unknown> {
  const entries = Object.entries(base.properties);
  const at = entries.findIndex(([key]) => key === 'ipvsadm') + 1;
  if (at === 0)
    throw new InternalError('src/spec/schema.json has no ipvsadm property to put the program pins after');
  return {
    ...base,
    properties: Object.fromEntries([...entries.slice(0, at), ...programPins(), ...entries.slice(at)]),
  };
}

/** The JSON Schema every spec must satisfy. */
export const SPEC_SCHEMA: Record<string, unknown> = withProgramPins(schema);
