/**
 * An interrupted build leaves the published image intact. The build is paused at a known step with the test
 * hook in src/pipeline.ts (LVS_IMAGE_TEST_PAUSE_AT=<step key>: print `lvs-image: paused at <key>` on stderr,
 * then sleep) and killed there; `out/<site>` must still point at the previous complete release.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from './_helpers/cli.js';
import { integrationTest } from './_helpers/integration.js';

const SPEC = path.join(ROOT, 'images/dsas-lv1.yaml');

/** Starts a build paused at `step`, kills it with `signal` once paused, and resolves when it has exited. */
function killBuildAt(
  out: string,
  step: string,
  signal: NodeJS.Signals,
): Promise<{ paused: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import=tsx', path.join(ROOT, 'src/cli.ts'), 'build', SPEC, '--out', out],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NO_COLOR: '1',
          LVS_IMAGE_TEST_PAUSE_AT: step,
          LVS_IMAGE_TEST_PAUSE_MS: '120000',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    let paused = false;
    const bound = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!paused && stderr.includes(`lvs-image: paused at ${step}`)) {
        paused = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(bound);
      resolve({ paused, stderr });
    });
  });
}

function checkPublished(out: string): { target: string; ok: boolean; report: string } {
  const target = readlinkSync(path.join(out, 'dsas'));
  const r = spawnSync('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], {
    cwd: path.join(out, 'dsas'),
    encoding: 'utf8',
  });
  return { target, ok: r.status === 0, report: r.stdout + r.stderr };
}

integrationTest(
  'a build killed mid-way leaves the previous release published and valid',
  ['make', 'gcc'],
  async (t) => {
    const out = mkdtempSync(path.join(tmpdir(), 'lvs-kill-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    const first = runCli(['build', SPEC, '--out', out], { timeoutMs: 20 * 60_000 });
    t.is(first.status, 0, first.stderr);
    const before = checkPublished(out);
    t.true(before.ok, before.report);
    const manifest = readFileSync(path.join(out, 'dsas/lv1/manifest.json'), 'utf8');

    for (const [step, signal] of [
      ['initramfs', 'SIGKILL'],
      ['publish', 'SIGKILL'],
      ['pxe', 'SIGINT'],
    ] as const) {
      const killed = await killBuildAt(out, step, signal);
      t.true(killed.paused, `the build reached ${step}: ${killed.stderr}`);
      const after = checkPublished(out);
      t.is(
        after.target,
        before.target,
        `out/dsas still points at the previous release after ${signal} at ${step}`,
      );
      t.true(after.ok, after.report);
      t.is(readFileSync(path.join(out, 'dsas/lv1/manifest.json'), 'utf8'), manifest);
    }
    t.true(
      readdirSync(out).some((n) => n.startsWith('.staging-')),
      'the killed builds left their staging folders',
    );

    const next = runCli(['build', SPEC, '--out', out], { timeoutMs: 20 * 60_000 });
    t.is(next.status, 0, next.stderr);
    t.deepEqual(
      readdirSync(out).filter((n) => n.startsWith('.staging-')),
      [],
      'the next build removed them',
    );
    t.true(checkPublished(out).ok);
  },
);
