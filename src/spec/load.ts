/** loadSpec: the spec's public entry. Reads a file and runs the gates in order: parse → schema → rules. */
import { readFile } from 'node:fs/promises';
import { SpecError, type Problem } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { applyDefaults } from './defaults.js';
import { locate, parseSpecText, type PointerMap } from './parse.js';
import { checkRules, RULES, WARNING_RULES } from './rules.js';
import type { Spec } from './types.js';
import { validateSchema } from './validate.js';

/** A spec that passed every gate. */
export interface LoadedSpec {
  /** The spec file as given (relative paths stay relative). */
  file: string;
  /** The spec with defaults applied. */
  spec: Spec;
  /** The spec as written. */
  raw: Spec;
  /** sha256 of the file's bytes. */
  sha256: string;
  /** Problems that do not fail validation (e.g. a NAT gateway that bypasses the director). */
  warnings: Problem[];
  /** JSON pointer → line:col in `file`, for later gates that report positions. */
  positions: PointerMap;
}

/** Reads, parses, schema-checks and rule-checks a spec file; throws one SpecError listing every problem of the failing gate. */
export async function loadSpec(file: string): Promise<LoadedSpec> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SpecError({
      file,
      message: `cannot read the spec (${code})`,
      hint: 'check the path; `lvs-image init FILE` writes a starter spec',
    });
  }
  return checkSpecText(bytes.toString('utf8'), file, sha256(bytes));
}

/** The gates over text already read (pure apart from throwing); `label` names the file in problems. */
export function checkSpecText(text: string, label: string, digest = sha256(text)): LoadedSpec {
  const parsed = parseSpecText(text, label);
  if (!parsed.ok) throw new SpecError(parsed.problems);
  if (parsed.value === null || parsed.value === undefined)
    throw new SpecError({
      file: label,
      line: 1,
      column: 1,
      message: 'the spec is empty',
      hint: '`lvs-image init` prints a starter spec',
    });
  const schemaProblems = validateSchema(parsed.value, label, parsed.positions);
  if (schemaProblems.length > 0) throw new SpecError(sortByPosition(schemaProblems));
  const raw = parsed.value as Spec;
  const spec = applyDefaults(raw);
  const place = (p: Problem): Problem => placeProblem(p, label, parsed.positions);
  const errors = sortByPosition(checkRules(spec, RULES).map(place));
  if (errors.length > 0) throw new SpecError(errors);
  const warnings = sortByPosition(checkRules(spec, WARNING_RULES).map(place));
  return { file: label, spec, raw, sha256: digest, warnings, positions: parsed.positions };
}

/** Orders problems as they appear in the file (stable; problems without a position keep their place at the end). */
export function sortByPosition(problems: readonly Problem[]): Problem[] {
  const key = (p: Problem): number => (p.line ?? Number.MAX_SAFE_INTEGER) * 10_000 + (p.column ?? 0);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => key(a.p) - key(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** Adds file and line:col (from the pointer) to a rule's problem. */
export function placeProblem(p: Problem, file: string, positions: PointerMap): Problem {
  const pos = p.pointer !== undefined ? locate(positions, p.pointer) : undefined;
  return { file, ...(pos ? { line: pos.line, column: pos.column } : {}), ...p };
}
