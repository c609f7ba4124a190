/**
 * A local fake Debian for source-store tests: `apt-get`, `apt-cache` and `dpkg-query` scripts on a PATH folder
 * that serve a small archive folder, where each package has versions and one "current" one (the archive keeps
 * only its newest build, as Debian's does; `publish` replaces it). Binary packages are real .deb files
 * (dpkg-deb -b), so the provider's real `dpkg-deb -x` reads them.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../src/lib/fs.js';

/** One script for the three tools: it looks at the name it was called by. */
const SCRIPT = fileURLToPath(new URL('../fixtures/fake-debian/apt-get', import.meta.url));

/** The fake archive: its folder, the PATH entry with the scripts, and what a test can do to it. */
export interface FakeDebian {
  dir: string;
  bin: string;
  /** Environment for a child process (PATH first, FAKE_DEBIAN). */
  env: Record<string, string>;
  /** Publishes a source package version (dsc + orig tarball) and makes it the only one served. */
  publishSource: (pkg: string, version: string, orig: { name: string; bytes: Buffer }) => void;
  /**
   * Publishes a binary package carrying `member` with `bytes` (and the `extra` files, path → bytes), and makes it
   * the only one served.
   */
  publishBinary: (
    pkg: string,
    version: string,
    member: string,
    bytes: Buffer,
    extra?: Record<string, Buffer>,
  ) => void;
  /** Installs the current binary package: its member lands in the fake root, dpkg-query reports it. */
  install: (pkg: string) => string;
  remove: () => void;
}

/** Makes a fake archive under a temporary folder (see the module comment). */
export function makeFakeDebian(): FakeDebian {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-fake-debian-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  for (const t of ['apt-get', 'apt-cache', 'dpkg-query']) symlinkSync(SCRIPT, path.join(bin, t));
  for (const d of ['current', 'installed', 'source', 'binary', 'root']) mkdirSync(path.join(dir, d));
  const served = new Map<string, { version: string; member?: string }>();
  const only = (kind: string, pkg: string, version: string): string => {
    rmSync(path.join(dir, kind, pkg), { recursive: true, force: true });
    const d = path.join(dir, kind, pkg, version);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(dir, 'current', pkg), version);
    return d;
  };
  return {
    dir,
    bin,
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_DEBIAN: dir },
    publishSource(pkg, version, orig) {
      const d = only('source', pkg, version);
      const plain = version.replace(/^\d+:/, '');
      writeFileSync(path.join(d, orig.name), orig.bytes);
      const dsc = [
        `Source: ${pkg}`,
        `Version: ${version}`,
        'Checksums-Sha256:',
        ` ${sha256(orig.bytes)} ${orig.bytes.length} ${orig.name}`,
        '',
      ].join('\n');
      writeFileSync(path.join(d, `${pkg}_${plain}.dsc`), dsc);
    },
    publishBinary(pkg, version, member, bytes, extra = {}) {
      const d = only('binary', pkg, version);
      const tree = path.join(d, 'tree');
      mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
      for (const [file, content] of Object.entries({ [member]: bytes, ...extra })) {
        mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
        writeFileSync(path.join(tree, file), content);
      }
      writeFileSync(
        path.join(tree, 'DEBIAN', 'control'),
        `Package: ${pkg}\nVersion: ${version}\nArchitecture: all\nMaintainer: test <t@example.org>\nDescription: fake\n`,
      );
      execFileSync(
        'dpkg-deb',
        ['--root-owner-group', '-Zgzip', '-b', tree, path.join(d, `${pkg}_${version}_all.deb`)],
        // The same contents give the same .deb (dpkg-deb clamps its timestamps to SOURCE_DATE_EPOCH).
        { stdio: 'ignore', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } },
      );
      rmSync(tree, { recursive: true, force: true });
      served.set(pkg, { version, member });
    },
    install(pkg) {
      const s = served.get(pkg);
      if (s?.member === undefined) throw new Error(`fake-debian: nothing published for ${pkg}`);
      const deb = path.join(dir, 'binary', pkg, s.version, `${pkg}_${s.version}_all.deb`);
      const root = path.join(dir, 'root', pkg);
      rmSync(root, { recursive: true, force: true });
      execFileSync('dpkg-deb', ['-x', deb, root]);
      const file = path.join(root, s.member);
      writeFileSync(path.join(dir, 'installed', pkg), s.version);
      writeFileSync(path.join(dir, 'installed', `${pkg}.list`), `/.\n${path.dirname(file)}\n${file}\n`);
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fake archive first on PATH for this test file's process and a scratch folder holding the build cache
 * (LVS_IMAGE_CACHE), both removed after the file's tests.
 */
export async function useFakeDebian(prefix: string): Promise<{ debian: FakeDebian; work: string }> {
  const debian = makeFakeDebian();
  Object.assign(process.env, debian.env);
  const work = await mkdtemp(path.join(tmpdir(), prefix));
  process.env.LVS_IMAGE_CACHE = path.join(work, 'cache');
  test.after.always(async () => {
    debian.remove();
    await rm(work, { recursive: true, force: true });
  });
  return { debian, work };
}
