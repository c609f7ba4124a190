/**
 * The static ipvsadm 1.31 that test images carry, built by the project's own builder (`provideIpvsadm`, from
 * images/dsas-lv1.yaml) and kept in the shared build cache (~/.cache/lvs-image): about 10 s the first time on a
 * machine, instant after. Synchronous callers (test/_helpers/dev-image.ts) get it through a child process.
 */
import { spawnSync } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/lib/exec.js';
import { loadSpec } from '../../src/spec/load.js';
import { provideIpvsadm } from '../../src/stages/ipvsadm.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(REPO, 'test/_helpers/ipvsadm-cli.ts');
/** Kernel 6.1's IPVS (1.2.1); the release only labels messages. */
const KERNEL = { ipvsVersionCode: 0x010201, release: '6.1.192', headersDir: undefined };
const BUILD_TIMEOUT_MS = 15 * 60_000;

let memo: string | undefined;

/** Builds (or reuses from the cache) the reference spec's static ipvsadm 1.31 and returns the binary's path. */
export async function provideTestIpvsadm(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-test-ipvsadm-'));
  const logFile = path.join(dir, 'ipvsadm-build.log');
  try {
    const { spec } = await loadSpec(path.join(REPO, 'images/dsas-lv1.yaml'));
    const built = await provideIpvsadm(
      spec,
      KERNEL,
      { run, log: () => {} },
      { logFile, specDir: path.join(REPO, 'images') },
    );
    return built.binary;
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`building the test ipvsadm failed: ${String(err)}\n${log.slice(-4000)}`, { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Same as provideTestIpvsadm, for synchronous callers: runs it in a child process once per process. */
export function testIpvsadmSync(): string {
  if (memo !== undefined) return memo;
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  const out = r.stdout?.trim() ?? '';
  if (r.status !== 0 || out === '') {
    throw new Error(
      `${path.relative(REPO, CLI)} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stderr}`,
    );
  }
  memo = out.split('\n').pop()!;
  return memo;
}
