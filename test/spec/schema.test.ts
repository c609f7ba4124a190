/** The schema is the contract: well-formed (descriptions, closed objects) and in step with src/spec/types.ts. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROGRAMS } from '../../src/packages/programs.js';
import { SPEC_SCHEMA } from '../../src/spec/schema.js';
import { ROOT } from '../_helpers/cli.js';

type Node = Record<string, unknown> & {
  properties?: Record<string, Node>;
  required?: string[];
  oneOf?: Node[];
  enum?: string[];
  items?: Node;
};
const schema = SPEC_SCHEMA as Node;
const defs = schema.definitions as Record<string, Node>;

/** Every schema object node with the JSON-pointer-ish path to it. */
function walk(n: unknown, at: string, out: [string, Node][] = []): [string, Node][] {
  if (Array.isArray(n)) n.forEach((x, i) => walk(x, `${at}/${i}`, out));
  else if (typeof n === 'object' && n !== null) {
    out.push([at, n as Node]);
    for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`, out);
  }
  return out;
}

test('every property has a description', (t) => {
  const missing = walk(schema, '#')
    .flatMap(([at, n]) =>
      Object.entries(n.properties ?? {}).map(([k, p]) => [`${at}/properties/${k}`, p] as const),
    )
    .filter(([, p]) => typeof p === 'object' && typeof p.description !== 'string')
    .map(([at]) => at);
  t.deepEqual(missing, []);
});

test('every object with properties rejects unknown keys; maps constrain their key names', (t) => {
  const nodes = walk(schema, '#');
  const byPath = new Map(nodes);
  // A oneOf branch of a closed object (kernelPin's "exactly one of") is closed by its parent.
  const closedByParent = (at: string): boolean =>
    byPath.get(at.replace(/\/oneOf\/\d+$/, ''))?.additionalProperties === false && /\/oneOf\/\d+$/.test(at);
  const open = nodes
    .filter(([at, n]) => n.type === 'object' && !closedByParent(at))
    .filter(([, n]) =>
      n.properties !== undefined
        ? n.additionalProperties !== false
        : n.oneOf === undefined && n.propertyNames === undefined,
    )
    .map(([at]) => at);
  t.deepEqual(open, []);
});

/** The spec's type files: src/spec/types.ts and the IPVS and netfilter part it re-exports. */
const TYPE_FILES = ['src/spec/types.ts', 'src/spec/service-types.ts'];

/** Interfaces and string-literal unions of the spec's type files, read with the TypeScript parser. */
function readTypes(): {
  interfaces: Map<string, Map<string, boolean>>;
  unions: Map<string, string[]>;
  sourceForms: string[][];
} {
  const interfaces = new Map<string, Map<string, boolean>>();
  const unions = new Map<string, string[]>();
  let sourceForms: string[][] = [];
  for (const rel of TYPE_FILES) {
    const file = path.join(ROOT, rel);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    readTypeFile(sf, interfaces, unions, (forms) => (sourceForms = forms));
  }
  return { interfaces, unions, sourceForms };
}

function readTypeFile(
  sf: ts.SourceFile,
  interfaces: Map<string, Map<string, boolean>>,
  unions: Map<string, string[]>,
  setSourceForms: (forms: string[][]) => void,
): void {
  const members = (ms: ts.NodeArray<ts.TypeElement>): Map<string, boolean> =>
    new Map(
      ms.filter(ts.isPropertySignature).map((m) => [m.name.getText(sf), m.questionToken === undefined]),
    );
  sf.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, members(node.members));
    if (ts.isTypeAliasDeclaration(node) && ts.isUnionTypeNode(node.type)) {
      const lits = node.type.types
        .filter(ts.isLiteralTypeNode)
        .map((l) => (l.literal as ts.StringLiteral).text);
      if (lits.length === node.type.types.length) unions.set(node.name.text, lits);
      if (node.name.text === 'SourceRef')
        setSourceForms(
          node.type.types.filter(ts.isTypeLiteralNode).map((l) => [...members(l.members).keys()]),
        );
    }
  });
}

const TYPES = readTypes();

// Spec's program pins are ProgramPins, which each definition fills (tsc checks them against the table:
// PINS_OF_TABLE in src/packages/programs.ts); here they are one optional field per program of the table.
const PINS = new Map(PROGRAMS.map((p) => [p.name as string, false]));

test('every interface in types.ts has a schema definition with the same fields and required set', (t) => {
  for (const [name, own] of TYPES.interfaces) {
    if (name === 'ProgramPins') continue;
    const fields = name === 'Spec' ? new Map([...own, ...PINS]) : own;
    const def = name === 'Spec' ? schema : defs[name[0]!.toLowerCase() + name.slice(1)];
    if (def === undefined) {
      t.fail(`no schema definition for ${name}`);
      continue;
    }
    t.deepEqual(Object.keys(def.properties ?? {}).sort(), [...fields.keys()].sort(), `${name} fields`);
    t.deepEqual(
      [...(def.required ?? [])].sort(),
      [...fields]
        .filter(([, req]) => req)
        .map(([k]) => k)
        .sort(),
      `${name} required`,
    );
  }
  t.true(TYPES.interfaces.size >= 15);
});

test('SourceRef forms match the schema oneOf branches', (t) => {
  const branches = (defs.sourceRef?.oneOf ?? []).map((b) => Object.keys(b.properties ?? {}));
  t.deepEqual(branches, TYPES.sourceForms);
});

const ENUMS: Record<string, Node | undefined> = {
  Protocol: defs.virtualService?.properties?.protocol,
  Scheduler: defs.virtualService?.properties?.scheduler,
  SchedulerFlag: defs.virtualService?.properties?.schedulerFlags?.items,
  Forwarding: defs.serviceRealServer?.properties?.forwarding,
  KernelProfile: defs.kernelPin?.properties?.profile,
  KernelOptionMode: defs.kernelPin?.properties?.options,
  IpvsadmLink: defs.ipvsadmPin?.properties?.link,
  Compression: defs.imageOptions?.properties?.compression,
  InterfaceRole: defs.netInterface?.properties?.role,
  HealthCheckType: defs.healthCheck?.properties?.type,
  OnFailure: defs.healthCheck?.properties?.onFailure,
};

test('every string-literal union in types.ts equals its schema enum', (t) => {
  t.deepEqual(Object.keys(ENUMS).sort(), [...TYPES.unions.keys()].sort());
  for (const [name, values] of TYPES.unions) t.deepEqual(ENUMS[name]?.enum, values, name);
});
