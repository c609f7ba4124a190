/** Runs the lvs-image CLI from source in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  status: number | null;
  /** The CLI process's pid (namespaces and QEMU names of a lab carry it). */
  pid: number;
  stdout: string;
  stderr: string;
}

/** Runs `lvs-image ...args` (through tsx, no build needed) and returns its exit status and output. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): CliResult {
  // tsx by absolute URL: a bare `--import=tsx` resolves from cwd and fails when cwd is outside the repo.
  const r = spawnSync(
    process.execPath,
    [`--import=${import.meta.resolve('tsx')}`, path.join(ROOT, 'src/cli.ts'), ...args],
    {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 120_000,
    },
  );
  return { status: r.status, pid: r.pid, stdout: r.stdout, stderr: r.stderr };
}
