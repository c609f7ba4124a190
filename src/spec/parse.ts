/** Gate 1: YAML/JSON text → plain value plus a JSON-pointer → line:col map. Pure. */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../lib/errors.js';

/** A 1-based position in the spec file. */
export interface Position {
  line: number;
  column: number;
}

/** Where a value sits, and where its key sits when it is a mapping entry. */
export interface NodePosition extends Position {
  key?: Position;
}

/** JSON pointer (`/directors/0/hostname`) → position of that value in the file. */
export type PointerMap = ReadonlyMap<string, NodePosition>;

/** Result of parsing: the value and its positions, or every parse problem. */
export type ParseResult =
  { ok: true; value: unknown; positions: PointerMap } | { ok: false; problems: Problem[] };

/** Escapes one JSON-pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Parses spec text (YAML 1.2, so JSON too); `file` only labels problems. */
export function parseSpecText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: at.line,
          column: at.col,
          message: `cannot parse: ${firstLine(e.message)}`,
          hint: 'fix the YAML (or JSON) syntax at this position',
        };
      }),
    };
  }
  const positions = new Map<string, NodePosition>();
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const walk = (node: unknown, pointer: string, key?: Position): void => {
    const n = node as Node | null;
    if (n?.range) positions.set(pointer, { ...at(n.range[0]), ...(key ? { key } : {}) });
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyPos = isScalar(pair.key) && pair.key.range ? at(pair.key.range[0]) : undefined;
        const child = `${pointer}/${escapePointer(k)}`;
        if (pair.value === null && keyPos) positions.set(child, { ...keyPos, key: keyPos });
        walk(pair.value, child, keyPos);
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, `${pointer}/${i}`));
    }
  };
  walk(doc.contents, '');
  if (!positions.has('')) positions.set('', { line: 1, column: 1 });
  return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown, positions };
}

/** The position of `pointer`, or of its nearest ancestor that is in the file. */
export function locate(positions: PointerMap, pointer: string, preferKey = false): Position | undefined {
  let p = pointer;
  for (;;) {
    const found = positions.get(p);
    if (found) return preferKey && found.key ? found.key : { line: found.line, column: found.column };
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}
