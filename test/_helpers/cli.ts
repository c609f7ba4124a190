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

/**
 * How the tests run the CLI: from source through tsx (no build needed; the default, for `npx ava FILE`), or the
 * compiled bin/lvs-image.js when LVS_IMAGE_TEST_CLI=dist, which `make test` sets after compiling src/ (dist/ is
 * then current): about 0.8 s of CPU less a run, and the tests run the CLI some hundred times.
 */
function cliCommand(): string[] {
  const how = process.env.LVS_IMAGE_TEST_CLI ?? 'source';
  if (how === 'dist') return [path.join(ROOT, 'bin/lvs-image.js')];
  if (how === 'source') return [`--import=${import.meta.resolve('tsx')}`, path.join(ROOT, 'src/cli.ts')];
  throw new Error(`LVS_IMAGE_TEST_CLI=${how}: must be dist (the compiled CLI) or source (through tsx)`);
}

/** Runs `lvs-image ...args` (see cliCommand) and returns its exit status and output. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): CliResult {
  // tsx by absolute URL: a bare `--import=tsx` resolves from cwd and fails when cwd is outside the repo.
  const r = spawnSync(process.execPath, [...cliCommand(), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { status: r.status, pid: r.pid, stdout: r.stdout, stderr: r.stderr };
}
