/** Merges the layers of an image into one entry list (pure): precedence, conflicts, missing parent folders. */
import { type RootfsEntry, sortEntries } from '../../lib/cpio.js';
import { BuildError } from '../../lib/errors.js';

/** Entries from one source; a layer with a higher `rank` replaces entries of a lower one at the same path. */
export interface Layer {
  /** Where the entries come from, for error messages, e.g. `busybox applets` or `rendered files`. */
  source: string;
  rank: number;
  entries: RootfsEntry[];
}

function same(a: RootfsEntry, b: RootfsEntry): boolean {
  return a.type === 'dir' && b.type === 'dir';
}

/**
 * One entry per path: higher rank wins, two folders merge (the first mode stays), anything else at equal rank
 * is a conflict naming both sources. Adds a 0755 folder for every missing parent and requires /init.
 */
export function mergeLayers(layers: readonly Layer[]): RootfsEntry[] {
  const byPath = new Map<string, { entry: RootfsEntry; layer: Layer }>();
  for (const layer of layers) {
    for (const entry of layer.entries) {
      const old = byPath.get(entry.path);
      if (old === undefined || layer.rank > old.layer.rank) byPath.set(entry.path, { entry, layer });
      else if (layer.rank === old.layer.rank && !same(old.entry, entry)) {
        throw new BuildError(
          `${entry.path} is in the image twice: from ${old.layer.source} and from ${layer.source}`,
          {
            hint: 'this is a conflict between two build inputs; rename or drop one of them',
          },
        );
      }
    }
  }
  for (const p of [...byPath.keys()]) {
    for (let dir = parentOf(p); dir !== '/'; dir = parentOf(dir)) {
      const old = byPath.get(dir);
      if (old === undefined)
        byPath.set(dir, { entry: { type: 'dir', path: dir, mode: 0o755 }, layer: layers[0]! });
      else if (old.entry.type !== 'dir') {
        throw new BuildError(
          `${dir} (from ${old.layer.source}) is not a folder, but ${p} needs it to be one`,
        );
      }
    }
  }
  const init = byPath.get('/init')?.entry;
  if (init?.type !== 'file' || (init.mode & 0o111) === 0) {
    throw new BuildError('the image has no executable /init', {
      hint: 'the rendered files must include /init with mode 0755 (templates/director/init)',
    });
  }
  return sortEntries([...byPath.values()].map((v) => v.entry));
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
