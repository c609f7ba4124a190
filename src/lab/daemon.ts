/**
 * The lab's one way to run a background process: started with an argv array (inside a namespace through
 * `ip netns exec` when one is given), its output appended to a log file, stopped by its PID (SIGTERM, then
 * SIGKILL after a bound). Never by name. The lab's own helper programs (src/lab/programs/*.mjs) start here too.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError } from '../lib/errors.js';
import { formatCommand } from '../lib/exec.js';
import { netnsExecArgs } from '../lib/netns.js';
import { pollUntil } from './poll.js';

/** A running helper process. */
export interface Daemon {
  pid: number;
  command: string;
  /** Resolves when it has exited (by itself or stopped). */
  exited: Promise<void>;
  /** Stops it by PID: SIGTERM, SIGKILL after `graceMs` (default 3 s); safe to call twice. */
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
    exited,
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

/** The lab's helper programs, each a real file in src/lab/programs (shipped as it is, run by node). */
export type LabProgram = 'syslog-receiver' | 'tcp-scan' | 'udp-probe' | 'http-server' | 'ntp-server';

/**
 * Where a helper program is: the same folder seen from src/lab (tsx) and from dist/lab (the installed CLI), as
 * package.json ships src/lab/programs.
 */
export function programPath(name: LabProgram): string {
  return fileURLToPath(new URL(`../../src/lab/programs/${name}.mjs`, import.meta.url));
}

/** The argv that runs program `name` with `args` in namespace `ns`, by the node binary running lvs-image. */
export function programArgv(ns: string, name: LabProgram, args: readonly string[]): [string, string[]] {
  return netnsExecArgs(ns, process.execPath, [programPath(name), ...args]);
}

/**
 * Starts program `name` in namespace `ns`; with `ready`, waits (bounded, 10 s) until its log holds that text (the
 * program prints it once its socket is bound), and stops it and throws if it never does.
 */
export async function startProgram(o: {
  ns: string;
  name: LabProgram;
  args: readonly string[];
  logFile: string;
  ready?: string;
}): Promise<Daemon> {
  const [file, argv] = programArgv(o.ns, o.name, o.args);
  // The log is appended to (a server started again writes to the same file): only what this run wrote counts.
  const skip = (await readFile(o.logFile, 'utf8').catch(() => '')).length;
  const daemon = await startDaemon(file, argv, o.logFile);
  const ready = o.ready;
  if (ready === undefined) return daemon;
  const log = async (): Promise<string> => (await readFile(o.logFile, 'utf8').catch(() => '')).slice(skip);
  const seen = await pollUntil(async () => ((await log()).includes(ready) ? true : undefined), {
    boundMs: 10_000,
    everyMs: 100,
  });
  if (seen !== undefined) return daemon;
  await daemon.stop();
  throw new BuildError(`the lab's ${o.name} did not print "${ready}" in ${o.ns} within 10 s`, {
    logFile: o.logFile,
  });
}
