/**
 * `lvs-image build --frozen` against a local fake Debian (test/_helpers/fake-debian.ts) that rebuilds the
 * ipvsadm source package after the lock was written: the frozen build still builds the locked bytes from the
 * store; with the store empty it stops before any work and writes nothing; two builds sharing one empty store
 * at once both publish. Debian's prebuilt kernel keeps it to an ipvsadm build (cached per source sha256).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run } from '../../src/lib/exec.js';
import { sha256 } from '../../src/lib/fs.js';
import { provideSpecSource } from '../../src/stages/sources.js';
import { ROOT, runCli } from '../_helpers/cli.js';
import { makeFakeDebian } from '../_helpers/fake-debian.js';
import { integrationTest } from '../_helpers/integration.js';

const NEEDS = ['gcc', 'make', 'apt-get', 'dpkg-deb', 'pkg-config', 'strip', 'gzip'];

/** The reference spec on Debian's prebuilt kernel, with ipvsadm from the fake archive's `ipvsadm-fake`. */
function writeSpec(dir: string): string {
  const text = readFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), 'utf8')
    .replace(
      / {2}source:\n {4}debian: linux-source-6\.1.*\n {2}base: .*\n {2}profile: .*\n {2}options: .*\n/,
      '  prebuilt:\n    vmlinuz: /vmlinuz\n  profile: minimal\n  options: module\n',
    )
    .replace(/ {4}debian: ipvsadm .*\n/, '    debian: ipvsadm-fake\n')
    // The fake archive has no firmware or microcode packages.
    .replace(/\nipvsadm:\n/, '\nhardware:\n  firmware: none\n\nipvsadm:\n');
  if (
    !text.includes('vmlinuz: /vmlinuz') ||
    !text.includes('debian: ipvsadm-fake') ||
    !text.includes('firmware: none')
  )
    throw new Error('images/dsas-lv1.yaml changed shape; update writeSpec()');
  const file = path.join(dir, 'site.yaml');
  writeFileSync(file, text);
  return file;
}

/** Debian's real ipvsadm 1.31 orig tarball, and the same files packed again (other bytes: a Debian rebuild). */
async function ipvsadmBuilds(dir: string): Promise<{ a: Buffer; b: Buffer }> {
  const io = { run, log: () => undefined };
  const spec = { ipvsadm: { version: '1.31', source: { debian: 'ipvsadm' } } } as never;
  const real = await provideSpecSource(spec, 'ipvsadm', io);
  const a = readFileSync(real?.path ?? '');
  const unpacked = path.join(dir, 'repack');
  execFileSync('mkdir', ['-p', unpacked]);
  execFileSync('tar', ['-xzf', real?.path ?? '', '-C', unpacked]);
  const top = readdirSync(unpacked)[0] ?? '';
  const b = execFileSync(
    'sh',
    ['-c', `tar --sort=name --mtime=@0 -C '${unpacked}' -cf - '${top}' | gzip -n -1`],
    {
      maxBuffer: 64 << 20,
    },
  );
  return { a, b };
}

function spawnCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`--import=${import.meta.resolve('tsx')}`, path.join(ROOT, 'src/cli.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

integrationTest(
  'build --frozen after Debian rebuilt the package: from the store; absent everywhere: stops early, writes nothing; two builds share a store',
  NEEDS,
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvs-frozen-'));
    const debian = makeFakeDebian();
    t.teardown(() => {
      debian.remove();
      rmSync(dir, { recursive: true, force: true });
    });
    const { a, b } = await ipvsadmBuilds(dir);
    t.not(sha256(a), sha256(b));
    const spec = writeSpec(dir);
    const store = path.join(dir, 'store');
    const env = { ...debian.env, LVS_IMAGE_SOURCES: store };
    const orig = 'ipvsadm-fake_1.31.orig.tar.gz';

    debian.publishSource('ipvsadm-fake', '1:1.31-1', { name: orig, bytes: a });
    const locked = runCli(['lock', spec], { env });
    t.is(locked.status, 0, locked.stderr);
    const lock = JSON.parse(readFileSync(path.join(dir, 'site.lock'), 'utf8')) as {
      ipvsadm: { source: { sha256: string; origin: { version: string } } };
    };
    t.is(lock.ipvsadm.source.sha256, sha256(a));
    t.is(lock.ipvsadm.source.origin.version, '1:1.31-1');

    // Debian rebuilds: 1:1.31-1 is gone from the archive, 1:1.31-2 has other bytes.
    debian.publishSource('ipvsadm-fake', '1:1.31-2', { name: orig, bytes: b });
    const drift = runCli(['lock', spec], { env: { ...env, LVS_IMAGE_SOURCES: path.join(dir, 'store-now') } });
    t.regex(
      drift.stdout,
      /ipvsadm: ipvsadm-fake 1:1\.31-1 \(sha256 [0-9a-f]{8}…\) is locked; Debian now ships 1:1\.31-2/,
    );
    writeFileSync(path.join(dir, 'site.lock'), JSON.stringify(lock)); // keep the pin on build A

    const frozen = runCli(['build', '--frozen', spec, '--out', path.join(dir, 'out-frozen')], {
      env,
      timeoutMs: 600_000,
    });
    t.is(frozen.status, 0, frozen.stderr);
    const log = readFileSync(path.join(dir, 'out-frozen/.logs/dsas-build.log'), 'utf8');
    t.regex(
      log,
      new RegExp(`^source ipvsadm: ipvsadm-fake 1:1\\.31-1 sha256 ${sha256(a)} .* \\(store\\)$`, 'm'),
    );

    const empty = { ...env, LVS_IMAGE_SOURCES: path.join(dir, 'store-empty') };
    const out = path.join(dir, 'out-nowhere');
    const nowhere = runCli(['build', '--frozen', spec, '--out', out], { env: empty });
    t.is(nowhere.status, 1);
    t.regex(
      nowhere.stderr,
      /ipvsadm: the locked source ipvsadm-fake 1:1\.31-1 \(sha256 [0-9a-f]{64}\) is nowhere/,
    );
    t.regex(nowhere.stderr, /apt-get source ipvsadm-fake: Debian now ships 1:1\.31-2/);
    t.regex(nowhere.stderr, /lvs-image lock .*site\.yaml/);
    t.regex(nowhere.stderr, /lvs-image sources import/);
    t.false(existsSync(out), 'nothing written, not even the build log');

    // Two builds at once, one empty store: both fetch, one entry lands whole, nothing partial is left.
    const shared = { ...env, LVS_IMAGE_SOURCES: path.join(dir, 'store-shared') };
    const [x, y] = await Promise.all([
      spawnCli(['build', spec, '--out', path.join(dir, 'out-x')], shared),
      spawnCli(['build', spec, '--out', path.join(dir, 'out-y')], shared),
    ]);
    t.is(x.status, 0, x.stderr);
    t.is(y.status, 0, y.stderr);
    const entries = readdirSync(path.join(dir, 'store-shared')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    t.deepEqual(entries, [sha256(b)]);
    t.deepEqual(readFileSync(path.join(dir, 'store-shared', sha256(b), orig)), b);
    t.deepEqual(readdirSync(path.join(dir, 'store-shared/.incoming')), [], 'no temporary file left behind');
    t.deepEqual(
      readFileSync(path.join(dir, 'out-x/dsas/lv1/lv1-initrd.img')),
      readFileSync(path.join(dir, 'out-y/dsas/lv1/lv1-initrd.img')),
    );
  },
);
