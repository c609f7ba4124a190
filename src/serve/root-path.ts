/**
 * Confinement of TFTP and HTTP requests to the served root.
 *
 * Decision (documented in docs/output-layout.md, "lvs-image serve"): a leading `/` is stripped, as tftpd-hpa does
 * with `-s` (its chroot makes `/pxelinux.0` mean `<root>/pxelinux.0`), because some PXE ROMs and clients send
 * absolute names while pxelinux sends root-relative ones. Backslashes count as separators (Windows-style
 * clients). Any `..` segment is refused outright, and the real path (symlinks resolved) must stay inside the
 * root's real path.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Why a name was refused; maps onto TFTP error codes 1 and 2 and HTTP 404 and 403. */
export type PathRefusal = { kind: 'not-found' | 'forbidden'; message: string };

/** A request name that passed the lexical checks: root-relative segments, never empty, never `..`. */
export type CleanName = { ok: true; relative: string } | { ok: false; refusal: PathRefusal };

/** Lexically cleans a requested name (pure): strips leading slashes, refuses `..`, NUL and empty names. */
export function cleanRequestName(name: string): CleanName {
  const forbidden = (message: string): CleanName => ({ ok: false, refusal: { kind: 'forbidden', message } });
  if (name.includes('\0')) return forbidden('file name contains a NUL byte');
  const segments = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return forbidden(`"${name}" leaves the served root ("..")`);
  if (segments.length === 0) return forbidden(`"${name}" names the root folder, not a file`);
  return { ok: true, relative: segments.join('/') };
}

/** A regular file inside the root, ready to open. */
export interface ResolvedFile {
  /** Real path (symlinks resolved) inside the root. */
  file: string;
  size: number;
  mtimeMs: number;
}

/** Resolves a request name to a regular file inside `root` (which must be a real path), or a refusal. */
export async function resolveInRoot(
  root: string,
  name: string,
): Promise<{ ok: true; file: ResolvedFile } | { ok: false; refusal: PathRefusal }> {
  const clean = cleanRequestName(name);
  if (!clean.ok) return clean;
  let real: string;
  try {
    real = await realpath(path.join(root, clean.relative));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES')
      return { ok: false, refusal: { kind: 'forbidden', message: `"${name}": permission denied` } };
    return { ok: false, refusal: { kind: 'not-found', message: `"${name}" not found` } };
  }
  if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    return {
      ok: false,
      refusal: { kind: 'forbidden', message: `"${name}" resolves outside the served root` },
    };
  }
  const info = await stat(real).catch(() => null);
  if (info === null || !info.isFile())
    return { ok: false, refusal: { kind: 'not-found', message: `"${name}" is not a regular file` } };
  return { ok: true, file: { file: real, size: info.size, mtimeMs: info.mtimeMs } };
}
