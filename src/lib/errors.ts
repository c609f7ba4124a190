/** The few error classes lvs-image throws; src/cli.ts maps them to exit codes. */
import { constants } from 'node:os';

/** One problem in a spec or in the command line: where, what, and how to fix it. */
export interface Problem {
  /** File the problem is in (spec, lock file, template), relative to the working directory when possible. */
  file?: string;
  /** 1-based line and column in `file`, when known. */
  line?: number;
  column?: number;
  /** JSON pointer into the spec, e.g. `/directors/0/services/1/scheduler`. */
  pointer?: string;
  /** What is wrong, without an "Error:" prefix. */
  message: string;
  /** What to do about it. */
  hint?: string;
}

/** Formats a problem as `file:line:col: /pointer: message (hint)`. */
export function formatProblem(p: Problem): string {
  let where = '';
  if (p.file !== undefined) {
    where = p.file;
    if (p.line !== undefined) where += `:${p.line}` + (p.column !== undefined ? `:${p.column}` : '');
    where += ': ';
  }
  const pointer = p.pointer !== undefined ? `${p.pointer === '' ? '/' : p.pointer}: ` : '';
  const hint = p.hint !== undefined ? `\n  hint: ${p.hint}` : '';
  return `${where}${pointer}${p.message}${hint}`;
}

/** Bad usage or a bad spec: exit status 2, nothing written. Carries every problem found, not just the first. */
export class SpecError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem | string) {
    const list: Problem[] =
      typeof problems === 'string'
        ? [{ message: problems }]
        : Array.isArray(problems)
          ? problems
          : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'SpecError';
    this.problems = list;
  }
}

/** A build step failed for a reason outside the spec (missing tool, checksum, dropped kernel option): exit 1. */
export class BuildError extends Error {
  readonly hint: string | undefined;
  readonly logFile: string | undefined;
  constructor(message: string, opts: { hint?: string; logFile?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'BuildError';
    this.hint = opts.hint;
    this.logFile = opts.logFile;
  }
}

/** An external command failed: exit 1. The message holds a copy-pasteable command line and the stderr tail. */
export class CommandError extends BuildError {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;
  constructor(args: {
    command: string;
    cwd?: string;
    exitCode?: number;
    signal?: string;
    stderrTail: string;
    logFile?: string;
  }) {
    const how =
      args.signal !== undefined ? `was killed by ${args.signal}` : `exited with status ${args.exitCode}`;
    const cwd = args.cwd !== undefined ? ` (in ${args.cwd})` : '';
    const tail =
      args.stderrTail.trim() === '' ? '' : `\n--- last lines of its output ---\n${args.stderrTail}`;
    super(
      `command ${how}${cwd}:\n  ${args.command}${tail}`,
      args.logFile !== undefined ? { logFile: args.logFile } : {},
    );
    this.name = 'CommandError';
    this.command = args.command;
    this.exitCode = args.exitCode;
    this.signal = args.signal;
    this.stderrTail = args.stderrTail;
  }
}

/** A signal interrupted the work; what it had made was removed: exit 128 + the signal number (SIGINT: 130). */
export class InterruptedError extends BuildError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, removed: string) {
    super(`interrupted by ${signal}; ${removed} removed`);
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

/** Something that should never happen: exit 1 with a request to report it. */
export class InternalError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'InternalError';
  }
}

/** Exit status for an error thrown anywhere below the CLI. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof SpecError) return 2;
  if (err instanceof InterruptedError) return 128 + constants.signals[err.signal];
  return 1;
}
