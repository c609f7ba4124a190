/** Gate 2: the JSON Schema, compiled once with ajv, turned into one clear Problem per fault. */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Problem } from '../lib/errors.js';
import { escapePointer, locate, type PointerMap } from './parse.js';
import { SPEC_SCHEMA } from './schema.js';

// NOTE: ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

type SchemaNode = Record<string, unknown> & {
  minimum?: number;
  maximum?: number;
  properties?: Record<string, unknown>;
  oneOf?: SchemaNode[];
  required?: string[];
  'x-message'?: string;
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
addFormats(ajv);
// `x-message`: the sentence shown instead of ajv's generic pattern/format/oneOf message.
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
const validateFn = ajv.compile(SPEC_SCHEMA);

/** Checks a parsed value against the schema; returns every problem (empty when valid). */
export function validateSchema(value: unknown, file: string, positions: PointerMap): Problem[] {
  if (validateFn(value)) return [];
  const problems = (validateFn.errors ?? []).flatMap((e) =>
    describe(e, positions, file, validateFn.errors ?? []),
  );
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.pointer}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** True when `e` sits under a oneOf whose chosen branch is another one (or none): such errors are noise. */
function isOneOfNoise(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  return all.some((o) => {
    if (o.keyword !== 'oneOf' || o === e) return false;
    const prefix = `${o.schemaPath}/`;
    if (!e.schemaPath.startsWith(prefix) || !e.instancePath.startsWith(o.instancePath)) return false;
    const branch = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    return chosenBranch(o) !== branch;
  });
}

/** The oneOf branch the data meant: the one whose first required key is present; -1 when none. */
function chosenBranch(o: ErrorObject): number {
  const branches = (o.schema ?? []) as SchemaNode[];
  const data = o.data as Record<string, unknown> | null;
  if (typeof data !== 'object' || data === null) return -1;
  const hits = branches.flatMap((b, i) =>
    b.required?.[0] !== undefined && b.required[0] in data ? [i] : [],
  );
  return hits.length === 1 ? (hits[0] ?? -1) : -1;
}

function describe(
  e: ErrorObject,
  positions: PointerMap,
  file: string,
  all: readonly ErrorObject[],
): Problem[] {
  if (isOneOfNoise(e, all)) return [];
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const at = (pointer: string, preferKey = false): Problem => {
    const pos = locate(positions, pointer, preferKey);
    return { file, ...(pos ? { line: pos.line, column: pos.column } : {}), pointer, message: '' };
  };
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'oneOf': {
      if (chosenBranch(e) >= 0) return [];
      return [
        {
          ...at(e.instancePath),
          message: parent['x-message'] ?? 'must match exactly one form',
          hint: 'see `lvs-image schema`',
        },
      ];
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {}).join(', ');
      return [
        {
          ...at(`${e.instancePath}/${escapePointer(name)}`, true),
          message: `unknown property "${name}"`,
          hint: `allowed here: ${allowed}`,
        },
      ];
    }
    case 'required':
      return [
        {
          ...at(e.instancePath),
          message: `missing required property "${String(params.missingProperty)}"`,
          hint: `add ${String(params.missingProperty)}: (see \`lvs-image schema\`)`,
        },
      ];
    case 'enum':
      return [
        {
          ...at(e.instancePath),
          message: `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
          hint: `got ${JSON.stringify(e.data)}`,
        },
      ];
    case 'type': {
      // A non-object where a oneOf of objects is expected: the oneOf's own sentence says it better.
      if (
        all.some(
          (o) =>
            o.keyword === 'oneOf' &&
            o.instancePath === e.instancePath &&
            `${o.schemaPath.slice(0, -'oneOf'.length)}type` === e.schemaPath,
        )
      )
        return [];
      const hint =
        params.type === 'string' && typeof e.data === 'number'
          ? `quote it: "${String(e.data)}" (YAML reads ${String(e.data)} as a number)`
          : `got ${JSON.stringify(e.data)}`;
      return [{ ...at(e.instancePath), message: `must be ${String(params.type)}`, hint }];
    }
    case 'pattern':
    case 'format':
    case 'maxLength':
    case 'minLength': {
      const message = parent['x-message'] ?? e.message ?? 'is invalid';
      // propertyNames errors carry the offending key: point at it rather than at its object.
      const key = e.propertyName !== undefined ? `/${escapePointer(e.propertyName)}` : '';
      return [{ ...at(e.instancePath + key, key !== ''), message, hint: `got ${JSON.stringify(e.data)}` }];
    }
    case 'propertyNames':
      return [];
    case 'minimum':
    case 'maximum': {
      const range =
        parent.minimum !== undefined && parent.maximum !== undefined
          ? `${String(parent.minimum)}..${String(parent.maximum)}`
          : undefined;
      const message =
        range !== undefined
          ? `must be within ${range}`
          : `must be ${String(params.comparison)} ${String(params.limit)}`;
      return [{ ...at(e.instancePath), message, hint: `got ${JSON.stringify(e.data)}` }];
    }
    default:
      return [
        { ...at(e.instancePath), message: e.message ?? 'is invalid', hint: `got ${JSON.stringify(e.data)}` },
      ];
  }
}
