/** The spec's JSON Schema (src/spec/schema.json) as a value, for ajv, `lvs-image schema` and the reference docs. */
import schema from './schema.json' with { type: 'json' };

/** The JSON Schema every spec must satisfy. */
export const SPEC_SCHEMA: Record<string, unknown> = schema;
