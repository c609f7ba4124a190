/** renderSpecReference: the spec reference (docs/spec-reference.md) generated from the JSON Schema. Pure. */

type Node = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  oneOf?: Node[];
  additionalProperties?: boolean | Node;
  description?: string;
  minimum?: number;
  maximum?: number;
  'x-message'?: string;
};

const refName = (ref: string): string => ref.split('/').pop() ?? ref;
const isSection = (n: Node | undefined): boolean =>
  n !== undefined && (n.properties !== undefined || (n.oneOf?.some((b) => b.properties) ?? false));
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(n: Node, defs: Record<string, Node>): string {
  if (n.$ref !== undefined) {
    const name = refName(n.$ref);
    return isSection(defs[name]) ? `[${name}](#${name.toLowerCase()})` : `[${name}](#value-formats)`;
  }
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (n.type === 'array' && n.items) return `list of ${typeOf(n.items, defs)}`;
  if (n.oneOf !== undefined && n.properties === undefined)
    return n.oneOf.map((b) => typeOf(b, defs)).join(' \\| ');
  if (n.type === 'object' && typeof n.additionalProperties === 'object')
    return `map of name → ${typeOf(n.additionalProperties, defs)}`;
  const base = Array.isArray(n.type) ? n.type.join(' \\| ') : (n.type ?? 'any');
  return n.minimum !== undefined && n.maximum !== undefined ? `${base} ${n.minimum}..${n.maximum}` : base;
}

function table(n: Node, defs: Record<string, Node>): string[] {
  const rows = Object.entries(n.properties ?? {}).map(([key, p]) => {
    const must = p['x-message'] !== undefined ? ` Value ${p['x-message']}.` : '';
    return `| \`${key}\` | ${typeOf(p, defs)} | ${(n.required ?? []).includes(key) ? 'yes' : ''} | ${cell((p.description ?? '') + must)} |`;
  });
  return ['| field | type | required | description |', '|---|---|---|---|', ...rows];
}

function section(name: string, n: Node, defs: Record<string, Node>): string[] {
  const out = [`## ${name}`, ''];
  if (n.description !== undefined) out.push(n.description, '');
  if (n['x-message'] !== undefined) out.push(`The value ${n['x-message']}.`, '');
  if (n.properties) out.push(...table(n, defs), '');
  // oneOf branches are forms only when the node has no fields of its own (kernelPin's branches just pick a field).
  if (!n.properties)
    (n.oneOf ?? []).forEach((b, i) => {
      if (b.properties) out.push(`Form ${i + 1}:`, '', ...table(b, defs), '');
    });
  return out;
}

/** Section names in reading order: the root, then each object definition at its first mention. */
function order(schema: Node, defs: Record<string, Node>): string[] {
  const seen: string[] = [];
  const visit = (n: Node | undefined): void => {
    if (!n) return;
    if (n.$ref !== undefined) {
      const name = refName(n.$ref);
      if (!seen.includes(name) && isSection(defs[name])) {
        seen.push(name);
        visit(defs[name]);
      }
      return;
    }
    for (const p of Object.values(n.properties ?? {})) visit(p);
    for (const b of n.oneOf ?? []) visit(b);
    if (n.items) visit(n.items);
    if (typeof n.additionalProperties === 'object') visit(n.additionalProperties);
  };
  visit(schema);
  return seen;
}

/** Markdown reference of every spec field (from the schema's descriptions, types, enums and formats) and the cross-field rules. */
export function renderSpecReference(
  schemaValue: Record<string, unknown>,
  rules: Readonly<Record<string, string>> = {},
): string {
  const schema = schemaValue as Node;
  const defs = (schema.definitions ?? {}) as Record<string, Node>;
  const lines = [
    '# Spec reference',
    '',
    '<!-- Generated from the spec schema (src/spec/schema.json plus a pin per program, src/spec/schema.ts) by renderSpecReference (src/spec/reference.ts); regenerate with UPDATE_GOLDEN=1 npx ava test/spec/reference.test.ts -->',
    '',
    'A spec is one YAML or JSON file. `lvs-image validate SPEC` checks it, `lvs-image schema` prints the JSON Schema, `lvs-image init` writes a commented starter. Unknown keys are errors everywhere.',
    '',
    ...section('spec (top level)', schema, defs),
    ...order(schema, defs).flatMap((name) => section(name, defs[name] ?? {}, defs)),
    ...(Object.keys(rules).length > 0
      ? [
          '## Cross-field rules',
          '',
          'Checked after the schema; every problem is listed with its position. The last one only warns.',
          '',
          '| rule | checks |',
          '|---|---|',
          ...Object.entries(rules).map(([name, text]) => `| ${name} | ${cell(text)} |`),
          '',
        ]
      : []),
    '## Value formats',
    '',
    '| format | rule |',
    '|---|---|',
    ...Object.entries(defs)
      .filter(([, n]) => !isSection(n))
      .map(([name, n]) => `| ${name} | ${cell(n['x-message'] ?? typeOf(n, defs))} |`),
    '',
  ];
  return lines.join('\n');
}
