/** Runs `lvs-image serve` as a child process (optionally inside a namespace) and reads its JSON log lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Raw stderr text so far (for failure messages). */
  text(): string;
  /** Resolves with the first log line matching `pred`; rejects when serve exits first or after `ms`. */
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** SIGTERM by PID, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `lvs-image --json serve ...args`, inside `netns` when given (`ip netns exec` execs, so the PID is node's). */
export function startServeProcess(args: string[], netns?: string): ServeProcess {
  const node = [process.execPath, '--import=tsx', path.join(ROOT, 'src/cli.ts'), '--json', 'serve', ...args];
  const [file, argv] =
    netns === undefined ? [node[0]!, node.slice(1)] : ['ip', ['netns', 'exec', netns, ...node]];
  const child = spawn(file, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  let pending = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // --json errors (SpecError problems) go to stdout: keep them for failure messages.
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
  void exited.then(() => waiters.forEach((w) => w()));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ text: p });
      }
    }
    waiters.forEach((w) => w());
  });
  return {
    child,
    lines,
    text: () => raw,
    waitFor: (pred, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no matching serve log line within ${ms} ms:\n${raw}`)),
          ms,
        );
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit !== undefined) finish(null, hit);
          else if (child.exitCode !== null || child.signalCode !== null)
            finish(new Error(`serve exited (${child.exitCode ?? child.signalCode}):\n${raw}`));
        };
        const finish = (err: Error | null, hit?: Record<string, unknown>): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(hit!);
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}
