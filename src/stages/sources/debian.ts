/**
 * Debian origins through apt and dpkg: which version of a binary package is installed and where its files are,
 * one version of a binary package downloaded and unpacked, and a source package's orig tarball as apt's signed
 * Sources index lists it (`apt-get source --print-uris`) and downloaded.
 */
import { readdir, readFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import type { StageIo } from '../../context.js';
import { BuildError, CommandError } from '../../lib/errors.js';
import { parseAptPrintUris, parseDscSha256, type AptSourceFile } from '../program/source.js';

const APT_TIMEOUT_MS = 30 * 60 * 1000;

/** The installed version of a binary package and its files, or null when it is not installed. */
export async function installedPackage(
  pkg: string,
  io: StageIo,
): Promise<{ version: string; files: string[] } | null> {
  const q = await io.run('dpkg-query', ['-W', '-f', '${Version}\t${db:Status-Status}', pkg], {
    reject: false,
    timeoutMs: 60_000,
  });
  const [version, status] = q.stdout.trim().split('\t');
  if (q.exitCode !== 0 || status !== 'installed' || version === undefined || version === '') return null;
  const list = await io.run('dpkg-query', ['-L', pkg], { timeoutMs: 60_000 });
  return { version, files: list.stdout.split('\n').filter((l) => l !== '') };
}

/** The short reason of a failed apt command: its `E:` lines, else its last line. */
export function aptReason(err: unknown): string {
  if (!(err instanceof CommandError)) return err instanceof Error ? err.message : String(err);
  const lines = err.stderrTail.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('E:'));
  return (errors.length > 0 ? errors : lines.slice(-1)).join(' ') || `exit status ${err.exitCode ?? '?'}`;
}

/**
 * Downloads `pkg` (at `version`, or apt's candidate) into `work` and unpacks it; returns the package's version
 * and the path of `member` inside the unpacked tree.
 */
export async function downloadBinaryMember(
  pkg: string,
  version: string | null,
  member: string,
  work: string,
  io: StageIo,
): Promise<{ version: string; file: string }> {
  const { version: got, file: deb } = await downloadDeb(pkg, version, work, io);
  const tree = path.join(work, 'tree');
  await io.run('dpkg-deb', ['-x', deb, tree], { timeoutMs: APT_TIMEOUT_MS });
  return { version: got, file: path.join(tree, member) };
}

/**
 * Downloads the .deb of `pkg` (at `version`, or apt's candidate) into `work` (apt checks it against its signed
 * index); returns its path and the version it holds.
 */
export async function downloadDeb(
  pkg: string,
  version: string | null,
  work: string,
  io: StageIo,
): Promise<{ version: string; file: string }> {
  // NOTE: apt downloads as the _apt user when it can write the folder; otherwise it warns and uses root.
  await chmod(work, 0o777);
  await io.run('apt-get', ['download', version === null ? pkg : `${pkg}=${version}`], {
    cwd: work,
    timeoutMs: APT_TIMEOUT_MS,
  });
  const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
  if (deb === undefined) throw new BuildError(`apt-get download ${pkg} left no .deb in ${work}`);
  const file = path.join(work, deb);
  const got = (await io.run('dpkg-deb', ['-f', file, 'Version'], { timeoutMs: 60_000 })).stdout.trim();
  return { version: got, file };
}

/** What apt's index says of one binary package version: the version, the .deb's file name and SHA256. */
export interface DebRecord {
  version: string;
  file: string;
  sha256: string;
}

/** The first record of `apt-cache show` output (pure); null when it names no Version, Filename and SHA256. */
export function parseDebRecord(text: string): DebRecord | null {
  const record = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | undefined => new RegExp(`^${name}: (\\S+)$`, 'm').exec(record)?.[1];
  const [version, filename, sha256] = [field('Version'), field('Filename'), field('SHA256')];
  if (version === undefined || filename === undefined || sha256 === undefined) return null;
  return { version, file: path.basename(filename), sha256: sha256.toLowerCase() };
}

/** apt's record of `pkg` at `version` (or its candidate), read from the local index: no download. */
export async function showDeb(pkg: string, version: string | null, io: StageIo): Promise<DebRecord> {
  const ask = version === null ? pkg : `${pkg}=${version}`;
  const r = await io.run('apt-cache', ['show', '--no-all-versions', ask], { timeoutMs: 60_000 });
  const record = parseDebRecord(r.stdout);
  if (record === null)
    throw new BuildError(`apt-cache show ${ask}: no record with Version, Filename and SHA256`, {
      hint: 'enable the component that has it (.ci/deps.sh enables non-free-firmware) and run apt-get update',
    });
  return record;
}

/** A source package's orig tarball as apt lists it, with the package version and the .dsc name. */
export interface DebianOrig {
  version: string;
  dscFile: string;
  orig: AptSourceFile & { sha256: string };
}

/** What apt's Sources index lists for `pkg` (or `pkg=version`): the .dsc and the orig tarball with its SHA256. */
export async function listSourcePackage(
  pkg: string,
  version: string | null,
  io: StageIo,
): Promise<DebianOrig> {
  const ask = version === null ? pkg : `${pkg}=${version}`;
  const uris = await io.run('apt-get', ['source', '--print-uris', ask], { timeoutMs: 120_000 });
  const files = parseAptPrintUris(uris.stdout);
  const dsc = files.find((f) => f.file.endsWith('.dsc'));
  const orig = files.find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.file));
  if (dsc === undefined || orig?.sha256 == null) {
    throw new BuildError(
      `apt-get source --print-uris ${ask}: no .dsc and orig tarball with a SHA256 listed`,
      {
        hint: 'enable deb-src entries (.ci/deps.sh does) and run apt-get update',
      },
    );
  }
  const inName = /_([^_]+)\.dsc$/.exec(dsc.file)?.[1] ?? '?';
  return {
    version: await withEpoch(pkg, inName, io),
    dscFile: dsc.file,
    orig: { ...orig, sha256: orig.sha256 },
  };
}

/** The full Debian version (`1:1.31-1`) of a source version as file names spell it (`1.31-1`, no epoch). */
async function withEpoch(pkg: string, inName: string, io: StageIo): Promise<string> {
  const r = await io.run('apt-cache', ['showsrc', '--only-source', pkg], {
    timeoutMs: 60_000,
    reject: false,
  });
  const versions = [...r.stdout.matchAll(/^Version: (\S+)$/gm)].map((m) => m[1] ?? '');
  return versions.find((v) => v.replace(/^\d+:/, '') === inName) ?? inName;
}

/**
 * Downloads the .dsc and orig tarball of `pkg=version` into `work` (no Debian diff: it is not needed) and checks
 * the tarball against the .dsc; returns the tarball's path and its `Checksums-Sha256` line.
 */
export async function downloadSourceOrig(
  pkg: string,
  listed: DebianOrig,
  work: string,
  io: StageIo,
): Promise<{ file: string }> {
  await chmod(work, 0o777);
  for (const only of ['--dsc-only', '--tar-only']) {
    await io.run('apt-get', ['source', '--download-only', only, `${pkg}=${listed.version}`], {
      cwd: work,
      timeoutMs: APT_TIMEOUT_MS,
    });
  }
  const dscText = await readFile(path.join(work, listed.dscFile), 'utf8');
  const fromDsc = parseDscSha256(dscText).get(listed.orig.file);
  if (fromDsc !== listed.orig.sha256) {
    throw new BuildError(
      `${listed.dscFile} lists ${listed.orig.file} with sha256 ${fromDsc ?? 'none'}, apt's index ${listed.orig.sha256}`,
      { hint: 'the mirror is inconsistent; run apt-get update and try again' },
    );
  }
  return { file: path.join(work, listed.orig.file) };
}
