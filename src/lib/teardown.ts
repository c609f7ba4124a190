/**
 * Cleanup that holds on every way out: return, throw, and SIGINT/SIGTERM. A signal starts the cleanup at once
 * (stopping guests and helpers makes the interrupted work fail fast), and the handlers stay installed until the
 * last cleanup has finished, so a second Ctrl-C cannot kill the process half-way through removing namespaces.
 * Cleanups run one at a time; each later call runs the cleanup again, sweeping whatever the interrupted work
 * made after the first one. Closing an interrupted guard throws InterruptedError (exit 128 + the signal number).
 */
import { InterruptedError } from './errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A cleanup armed against signals. */
export interface TeardownGuard {
  /** The signal that interrupted the work, if one did. */
  readonly interrupted: NodeJS.Signals | undefined;
  /** Runs the cleanup (after any running one), releases the signal handlers, and throws if a signal came. */
  close(): Promise<void>;
}

/** Arms `cleanup` against SIGINT and SIGTERM; `what` names what the cleanup removes, for the interrupt message. */
export function guardSignals(cleanup: () => Promise<void>, what: string): TeardownGuard {
  let interrupted: NodeJS.Signals | undefined;
  let chain: Promise<void> = Promise.resolve();
  const sweep = (): Promise<void> => (chain = chain.catch(() => undefined).then(cleanup));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== undefined) {
      process.stderr.write(`lvs-image: ${signal} again: still removing ${what}, please wait\n`);
      return;
    }
    interrupted = signal;
    process.stderr.write(`lvs-image: ${signal}: removing ${what} ...\n`);
    sweep().catch((err: unknown) =>
      process.stderr.write(`lvs-image: cleanup after ${signal} failed: ${(err as Error).message}\n`),
    );
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    get interrupted() {
      return interrupted;
    },
    async close() {
      try {
        await sweep();
      } finally {
        for (const s of SIGNALS) process.off(s, onSignal);
      }
      if (interrupted !== undefined) throw new InterruptedError(interrupted, what);
    },
  };
}

/** Runs `body`, then `cleanup` however it ends (see the module comment); returns what `body` returned. */
export async function withTeardown<T>(
  cleanup: () => Promise<void>,
  what: string,
  body: () => Promise<T>,
): Promise<T> {
  const guard = guardSignals(cleanup, what);
  try {
    return await body();
  } finally {
    await guard.close();
  }
}
