/** Pure checks on tar entries: compression by magic bytes, and whether an entry stays inside its folder. */
import path from 'node:path';

/** Compression of a tarball, from its first bytes. */
export type Compression = 'gzip' | 'xz' | 'bzip2' | 'none';

/** Detects the compression from the file's magic bytes. */
export function detectCompression(head: Uint8Array): Compression {
  const b = Buffer.from(head);
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  return 'none';
}

/** Why an entry may not be extracted into a folder, or null when it is safe. Pure. */
export function checkEntryPath(name: string, type: string, linkname?: string | null): string | null {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  const parts = name.split('/');
  if (parts.includes('..')) return 'path contains ".."';
  if (type === 'symlink') {
    const target = linkname ?? '';
    if (target.startsWith('/')) return `symlink to an absolute path (${target})`;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
    if (resolved === '..' || resolved.startsWith('../'))
      return `symlink points outside the folder (${target})`;
  }
  if (type === 'link') {
    const target = path.posix.normalize(linkname ?? '');
    if (target.startsWith('/') || target === '..' || target.startsWith('../')) {
      return `hard link points outside the folder (${linkname ?? ''})`;
    }
  }
  return null;
}

/** True when `p` is `root` or below it. */
export function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
