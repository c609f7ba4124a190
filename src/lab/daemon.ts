/**
 * Long-running helper processes of the lab (a real server's HTTP server), started with an argv array and stopped
 * by PID: SIGTERM, then SIGKILL after a bound. Their output goes to a log file.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { formatCommand } from '../lib/exec.js';

/** A running helper process. */
export interface Daemon {
  pid: number;
  command: string;
  /** Stops it by PID; safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `file args` in the background, its output appended to `logFile`. */
export async function startDaemon(file: string, args: readonly string[], logFile: string): Promise<Daemon> {
  const command = formatCommand(file, args);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`$ ${command}\n`);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('spawn', resolve);
    child.on('error', (err) =>
      reject(new BuildError(`could not start ${command}: ${err.message}`, { logFile })),
    );
  });
  const done = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const waitExit = (ms: number): Promise<boolean> =>
    done()
      ? Promise.resolve(true)
      : Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(done()), ms).unref()),
        ]);
  return {
    pid: child.pid ?? -1,
    command,
    stop: async (graceMs = 3000) => {
      if (!done()) {
        child.kill('SIGTERM');
        if (!(await waitExit(graceMs))) {
          child.kill('SIGKILL');
          await waitExit(graceMs);
        }
      }
      log.end();
    },
  };
}
