/** A sha256 over a whole folder (relative paths, modes, contents, symlink targets), for cache keys. */
import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from './fs.js';

/** sha256 of a folder tree: stable across machines for the same files (mtimes and owners are ignored). */
export async function sha256Tree(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(path.join(dir, r));
      if (st.isDirectory()) {
        lines.push(`d ${r}`);
        await walk(r);
      } else if (st.isSymbolicLink()) {
        lines.push(`l ${r} ${await readlink(path.join(dir, r))}`);
      } else if (st.isFile()) {
        lines.push(`f ${r} ${(st.mode & 0o111) !== 0 ? 'x' : '-'} ${await sha256File(path.join(dir, r))}`);
      }
    }
  };
  await walk('');
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
