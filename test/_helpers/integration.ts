/**
 * Gate for integration tests that need real host tools (gcc, make, qemu, ip, root).
 * Locally a missing tool skips the test with the reason; in CI (CI=true) a missing tool fails it,
 * because .ci/run installs everything and a skip there would hide a broken setup.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';

/** True when `tool` is on PATH. */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** True when running as root (needed for network namespaces). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** What is missing among `needs` (tool names; 'root' for root). */
export function missing(needs: readonly string[]): string[] {
  return needs.filter((n) => (n === 'root' ? !isRoot() : !hasTool(n)));
}

/** Registers an integration test that needs `needs`; see the module comment for CI behaviour. */
export function integrationTest(
  title: string,
  needs: readonly string[],
  fn: (t: ExecutionContext) => Promise<void> | void,
): void {
  const gone = missing(needs);
  if (gone.length === 0) {
    test.serial(`[integration] ${title}`, fn);
  } else if (process.env.CI === 'true') {
    test.serial(`[integration] ${title}`, (t) => {
      t.fail(`missing in CI: ${gone.join(', ')} (.ci/run should have installed it)`);
    });
  } else {
    test.skip(`[integration] ${title} (missing: ${gone.join(', ')})`, () => undefined);
  }
}
