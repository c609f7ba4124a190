/**
 * The TTY status line of `serve`: transfers running and bytes served so far, redrawn in place below the log
 * lines. Only on a terminal and never with --json (the log must stay one record a line).
 */
import type { ServeEvent } from './transfer-log.js';

/** Counts the status line shows. */
export interface ProgressState {
  active: number;
  done: number;
  failed: number;
  bytes: number;
}

/** The status line text (pure). */
export function formatProgress(s: ProgressState): string {
  const mib = (s.bytes / 1024 / 1024).toFixed(1);
  return `[${s.active} active, ${s.done} done, ${s.failed} failed, ${mib} MiB served]`;
}

/** Adds a finished request to the counts (pure). */
export function countEvent(s: ProgressState, e: ServeEvent): ProgressState {
  return { ...s, done: s.done + (e.ok ? 1 : 0), failed: s.failed + (e.ok ? 0 : 1), bytes: s.bytes + e.bytes };
}

/** A status line on `stream`: `log` prints a line above it, `stop` erases it. */
export function startProgress(
  stream: NodeJS.WriteStream,
  active: () => number,
): { log: (line: string, e?: ServeEvent) => void; stop: () => void } {
  let state: ProgressState = { active: 0, done: 0, failed: 0, bytes: 0 };
  const draw = (): void => void stream.write(`\r\x1b[K${formatProgress({ ...state, active: active() })}`);
  const timer = setInterval(draw, 500);
  timer.unref();
  return {
    log: (line, e) => {
      if (e !== undefined) state = countEvent(state, e);
      stream.write(`\r\x1b[K${line}\n`);
      draw();
    },
    stop: () => {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
