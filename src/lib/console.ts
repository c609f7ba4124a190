/**
 * A guest's serial console as text: collects output, waits for a pattern with a bounded timeout, types lines,
 * and runs shell commands whose output it cuts out between markers. It does no I/O of its own: src/lib/qemu.ts
 * feeds it the guest's output and gives it a function that writes to the guest's input, so tests can drive it
 * with recorded console text.
 */
import { DAEMON_LINE } from '../runtime/console-contract.js';
import { BuildError } from './errors.js';

/** Output of one command typed on the guest console. */
export interface ConsoleCommandResult {
  output: string;
  /** `$?` of the command, as the guest shell printed it. */
  status: number;
}

// CSI and other escape sequences (busybox ash asks for the cursor position with ESC[6n) and carriage returns.
// eslint-disable-next-line no-control-regex
const NOISE = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r/g;

/** Strips escape sequences and carriage returns, so serial output reads like a plain Unix text file. */
export function normalizeConsoleText(raw: string): string {
  return raw.replace(NOISE, '');
}

/** The line the guest shell is sent to run `command` between the markers of `id`. */
export function markedCommand(id: number, command: string): string {
  // NOTE: the quotes split the marker, so the terminal's echo of this line never matches a marker line.
  return `echo "__LVS_""BEGIN_${id}__"; ${command}; echo "__LVS_""END_${id}__ $?"`;
}

/** The output of the command run with `markedCommand(id, ...)`, or undefined when its end marker is not there yet. */
export function extractMarked(text: string, id: number): ConsoleCommandResult | undefined {
  // NOTE: the end marker counts once its newline is there: `$` alone would take `1` of a status 127 in transit.
  const re = new RegExp(`^__LVS_BEGIN_${id}__\\n([\\s\\S]*?)^__LVS_END_${id}__ (\\d+)\\n`, 'm');
  const m = re.exec(text);
  if (m === null) return undefined;
  // Daemons of the image log to the console tagged `[name] ` (keepalived); their lines are not the command's.
  const output = (m[1] ?? '').replace(DAEMON_LINE, '');
  return { output, status: Number(m[2]) };
}

/** The text up to and including its last newline: the lines whose end has arrived. */
function completeLines(text: string): string {
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

/** The last `n` lines of a text, for error messages. */
export function tailLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

interface Waiter {
  timer?: NodeJS.Timeout;
  check: () => boolean;
  fail: (err: Error) => void;
}

/** A guest console: `feed` it output, `type` input, `waitFor` patterns, `run` commands. */
export class GuestConsole {
  private raw = '';
  private diagnostics = '';
  private waiters = new Set<Waiter>();
  private nextId = 1;
  private ended: string | undefined;

  /** `write` sends bytes to the guest's serial input; `name` and `logFile` go into error messages. */
  constructor(
    private readonly write: (data: string) => void,
    readonly name: string,
    readonly logFile?: string,
  ) {}

  /** Everything the guest printed so far, normalised. */
  get text(): string {
    return normalizeConsoleText(this.raw);
  }

  /** Adds guest output and wakes up waiters whose pattern now matches. */
  feed(chunk: string): void {
    this.raw += chunk;
    for (const w of [...this.waiters]) w.check();
  }

  /**
   * Adds what QEMU itself printed (its stderr). Kept apart from the guest's output: a QEMU warning arriving in
   * the middle of a console line must not break that line; it shows in error messages instead.
   */
  feedDiagnostics(chunk: string): void {
    this.diagnostics += chunk;
  }

  /** Marks the console as finished (the guest exited): every pending and later wait fails at once. */
  end(reason: string): void {
    this.ended = reason;
    for (const w of [...this.waiters]) w.fail(this.error(`the guest stopped (${reason})`));
  }

  /** Types one line on the guest console (a newline is added). */
  type(line: string): void {
    this.write(`${line}\n`);
  }

  /**
   * Resolves with the first match of `pattern` in the console text, or rejects after `timeoutMs`. It matches
   * as soon as the text is there, even in the middle of a line: for prompts, which end without a newline.
   */
  waitFor(pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<RegExpExecArray> {
    return this.waitUntil(() => pattern.exec(this.text) ?? undefined, timeoutMs, what);
  }

  /**
   * Like `waitFor`, but only over complete lines (up to the last newline). A line is whole once its newline has
   * arrived; until then, typing would put the terminal's echo at its end (`...realservers=2echo ...`).
   */
  waitForLine(pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<RegExpExecArray> {
    return this.waitUntil(() => pattern.exec(completeLines(this.text)) ?? undefined, timeoutMs, what);
  }

  /** Runs a shell command on the guest console and resolves with its output and exit status. */
  async run(command: string, timeoutMs: number): Promise<ConsoleCommandResult> {
    const id = this.nextId++;
    this.type(markedCommand(id, command));
    return this.waitUntil(() => extractMarked(this.text, id), timeoutMs, `the output of \`${command}\``);
  }

  private error(message: string): BuildError {
    const tail = tailLines(this.text, 15);
    const qemu =
      this.diagnostics.trim() === '' ? '' : `\n--- QEMU said ---\n${tailLines(this.diagnostics, 5)}`;
    return new BuildError(`${this.name}: ${message}\n--- last console lines ---\n${tail}${qemu}`, {
      ...(this.logFile !== undefined ? { logFile: this.logFile } : {}),
      hint: 'read the console log; a guest that never prints its ready line usually failed in /init',
    });
  }

  private waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = probe();
          if (value === undefined) return false;
          this.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          resolve(value);
          return true;
        },
        fail: (err) => {
          this.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          reject(err);
        },
      };
      if (waiter.check()) return;
      if (this.ended !== undefined)
        return reject(this.error(`the guest stopped (${this.ended}) before ${what}`));
      waiter.timer = setTimeout(
        () => waiter.fail(this.error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }
}
