/**
 * The only place that starts guests: runs QEMU (software emulation) with the serial console on a pipe, keeps
 * the console in a log file, and stops the guest by PID (SIGTERM, then SIGKILL after a bound).
 * A long-running, interactive child does not fit `run` in src/lib/exec.ts, so this module spawns it itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { GuestConsole } from './console.js';
import { BuildError } from './errors.js';
import { formatCommand } from './exec.js';
import { QEMU_BINARY, buildQemuArgs, type GuestSpec } from './qemu-args.js';

/** How to start a guest: what to boot, where to keep its console, and (for the lab) which namespace to run in. */
export interface StartGuestOptions extends GuestSpec {
  /** Console log file; created (with its folder) or truncated. */
  consoleLog: string;
  /** Run QEMU inside this network namespace (`ip netns exec`), where the lab's tap devices live. */
  netns?: string;
}

/** A running guest. Always `stop()` it in a finally block. */
export interface Guest {
  pid: number;
  console: GuestConsole;
  /** The copy-pasteable command line that started it. */
  command: string;
  /** Resolves when QEMU has exited, with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops QEMU: SIGTERM, then SIGKILL after `graceMs` (default 5 s). Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** The argv (binary first) that starts a guest, with `ip netns exec` in front when a namespace is given. */
export function guestCommand(opts: StartGuestOptions): [string, string[]] {
  const args = buildQemuArgs(opts);
  if (opts.netns === undefined) return [QEMU_BINARY, args];
  return ['ip', ['netns', 'exec', opts.netns, QEMU_BINARY, ...args]];
}

function waitExit(child: ChildProcess, ms: number, exited: Promise<unknown>): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts QEMU for `opts` and returns the running guest; its console output is appended to `opts.consoleLog`. */
export async function startGuest(opts: StartGuestOptions): Promise<Guest> {
  const [file, args] = guestCommand(opts);
  const command = formatCommand(file, args);
  mkdirSync(path.dirname(opts.consoleLog), { recursive: true });
  const log = createWriteStream(opts.consoleLog, { flags: 'w' });
  log.write(`$ ${command}\n`);
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const guestConsole = new GuestConsole(
    (data) => {
      if (child.stdin?.writable === true) child.stdin.write(data);
    },
    opts.name ?? 'guest',
    opts.consoleLog,
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      guestConsole.end(signal !== null ? `QEMU killed by ${signal}` : `QEMU exited with status ${code}`);
      log.end();
      resolve({ code, signal });
    });
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.on('spawn', () => resolve());
    child.on('error', (err) => {
      guestConsole.end(`could not start QEMU: ${err.message}`);
      reject(err);
    });
  });
  child.stdin?.on('error', () => undefined); // the guest went away while we typed; `exited` reports it
  // The serial console is QEMU's stdout; its own messages (stderr) go to the log too, but not into the console
  // text that the ready line and the probes are read from.
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    log.write(chunk);
    guestConsole.feed(chunk);
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log.write(chunk);
    guestConsole.feedDiagnostics(chunk);
  });
  try {
    await spawned;
  } catch (err) {
    throw new BuildError(`could not start ${file}: ${(err as Error).message}`, {
      hint: `install QEMU (Debian: apt-get install qemu-system-x86); command: ${command}`,
      cause: err,
    });
  }
  const pid = child.pid ?? -1;
  const stop = async (graceMs = 5000): Promise<void> => {
    if (await waitExit(child, 0, exited)) return;
    child.kill('SIGTERM');
    if (await waitExit(child, graceMs, exited)) return;
    child.kill('SIGKILL');
    await waitExit(child, graceMs, exited);
  };
  return { pid, console: guestConsole, command, exited, stop };
}
