/**
 * Writes a tree of files under an output folder atomically per top-level entry (a rendered site's
 * `<hostname>/`, `realservers/`): everything is written in a staging folder first, then each entry is renamed
 * into place, so a reader sees the old tree or the new one, never a mix. Other entries of the folder are left
 * alone.
 */
import { chmod, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeStagingDir, removeTree } from './fs.js';

/** A file of the tree: its path relative to the output folder, mode and content. */
export interface TreeFile {
  relPath: string;
  mode: number;
  content: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Writes `files` under `outDir`, replacing the top-level entries they belong to. */
export async function writeTree(files: readonly TreeFile[], outDir: string): Promise<void> {
  const staging = await makeStagingDir(outDir);
  try {
    for (const f of files) {
      const target = path.join(staging, f.relPath);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, f.content);
      // writeFile's mode is masked by the umask; the rendered mode is what the image needs.
      await chmod(target, f.mode);
    }
    const tops = [...new Set(files.map((f) => f.relPath.split('/')[0] ?? f.relPath))];
    for (const top of tops) {
      const dest = path.join(outDir, top);
      if (await exists(dest)) await rename(dest, path.join(staging, `.previous-${top}`));
      await rename(path.join(staging, top), dest);
    }
  } finally {
    await removeTree(staging);
  }
}
