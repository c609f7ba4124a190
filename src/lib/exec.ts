/** The only place that starts external processes (through execa). Stages get `run` via `ctx.io`. */
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import { CommandError } from './errors.js';

export interface RunOptions {
  cwd?: string;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string>;
  /** Text written to the child's stdin. */
  input?: string | Buffer;
  /** Kill the child after this many milliseconds. Every call that may hang must set it. */
  timeoutMs?: number;
  /** Called with each line of combined output (e.g. listr2's task.output in verbose mode). */
  onLine?: (line: string) => void;
  /** Append the command and all of its output to this file. */
  logFile?: string;
  /** Return the output instead of throwing when the command exits non-zero. */
  reject?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Signature of `run`, so tests can pass a fake. */
export type Run = (file: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

/** Quotes one argv word for a POSIX shell, for messages the user can copy and paste. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Formats an argv as a copy-pasteable shell command line. */
export function formatCommand(file: string, args: readonly string[], env?: Record<string, string>): string {
  const prefix = env ? Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `) : [];
  return prefix.join('') + [file, ...args].map(shellQuote).join(' ');
}

function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

/** What a finished execa child reports that a CommandError needs. */
interface Finished {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  code?: string;
}

/** The CommandError for a failed child: exit status or signal, and the tail of its output. */
function commandFailure(
  file: string,
  command: string,
  result: Finished,
  output: string,
  extra: { cwd?: string; logFile?: string } = {},
): CommandError {
  return new CommandError({
    command,
    ...(extra.cwd !== undefined ? { cwd: extra.cwd } : {}),
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    ...(result.signal !== undefined
      ? { signal: result.signal }
      : result.timedOut
        ? { signal: 'timeout' }
        : {}),
    stderrTail: result.code === 'ENOENT' ? `${file}: not found on PATH` : lastLines(output, 20),
    ...(extra.logFile !== undefined ? { logFile: extra.logFile } : {}),
  });
}

/** Runs `file` with an argv array (never a shell string); throws CommandError with the output tail on failure. */
export const run: Run = async (file, args, opts = {}) => {
  const command = formatCommand(file, args, opts.env);
  if (opts.logFile) appendFileSync(opts.logFile, `$ ${command}\n`);
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    input: opts.input,
    timeout: opts.timeoutMs,
    reject: false,
    all: true,
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
    lines: false,
  });
  if (opts.onLine || opts.logFile) {
    let pending = '';
    child.all?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (opts.logFile) appendFileSync(opts.logFile, text);
      if (opts.onLine) {
        pending += text;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) opts.onLine(line);
      }
    });
  }
  const result = await child;
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const exitCode = result.exitCode ?? -1;
  if ((result.failed || exitCode !== 0) && opts.reject !== false) {
    throw commandFailure(file, command, result, String(result.all ?? stderr), {
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.logFile !== undefined ? { logFile: opts.logFile } : {}),
    });
  }
  return { stdout, stderr, exitCode };
};

/** A running process whose stdout is read as a stream (e.g. `xz -dc` feeding tar-stream). */
export interface StreamingProcess {
  stdout: NodeJS.ReadableStream;
  /** Stops the process early (after the reader found what it wanted); `done` then resolves. */
  stop: () => void;
  /** Resolves when the process ends; rejects with CommandError when it failed and was not stopped. */
  done: Promise<void>;
}

/** Starts `file` with stdin read from `opts.inputFile` and stdout streamed, not buffered. */
export function spawnStreaming(
  file: string,
  args: readonly string[],
  opts: { inputFile?: string; timeoutMs?: number } = {},
): StreamingProcess {
  const command =
    formatCommand(file, args) + (opts.inputFile !== undefined ? ` < ${shellQuote(opts.inputFile)}` : '');
  const child = execa(file, args, {
    ...(opts.inputFile !== undefined ? { inputFile: opts.inputFile } : {}),
    timeout: opts.timeoutMs,
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: false,
  });
  let stopped = false;
  const done = child.then((result) => {
    if (stopped || (!result.failed && result.exitCode === 0)) return;
    throw commandFailure(file, command, result, String(result.stderr ?? ''));
  });
  if (!child.stdout) throw new Error(`no stdout stream for ${command}`);
  return {
    stdout: child.stdout,
    stop: () => {
      stopped = true;
      child.kill();
    },
    done,
  };
}

/**
 * Pipes a binary stream through a filter program (e.g. `xz -c`) and returns its stdout bytes; throws
 * CommandError like `run`. For compressors, whose output must not pass through a string.
 */
export async function runFilter(
  file: string,
  args: readonly string[],
  input: AsyncIterable<Uint8Array>,
  opts: { timeoutMs?: number } = {},
): Promise<Buffer> {
  const command = formatCommand(file, args);
  const result = await execa(file, args, {
    stdin: input,
    encoding: 'buffer',
    timeout: opts.timeoutMs,
    reject: false,
    maxBuffer: 2 * 1024 * 1024 * 1024,
  });
  if (result.failed || result.exitCode !== 0) {
    throw commandFailure(file, command, result, Buffer.from(result.stderr).toString());
  }
  return Buffer.from(result.stdout);
}
