/** Splits a sorted entry list into archive parts of similar size, for compressing them in parallel (pure). */
import { type RootfsEntry, archiveName, dataSize } from '../../lib/cpio.js';

/** Approximate bytes an entry adds to a newc archive: header, name and data. */
function weight(e: RootfsEntry): number {
  return 110 + Buffer.byteLength(archiveName(e.path)) + 1 + dataSize(e) + 6;
}

/**
 * Cuts `sorted` into at most `parts` contiguous runs of about equal weight. Contiguous runs of a sorted list
 * keep every parent directory in the same or an earlier part, which the kernel unpacks first. A cut never
 * separates hard links of one group, because the kernel forgets links at each part's TRAILER!!!.
 */
export function splitEntries(sorted: readonly RootfsEntry[], parts: number): RootfsEntry[][] {
  const n = Math.max(1, Math.floor(parts));
  // A cut before index i is allowed only when no link group has members on both sides.
  const span = new Map<string, [number, number]>();
  sorted.forEach((e, i) => {
    if (e.type !== 'file' || e.linkGroup === undefined) return;
    const s = span.get(e.linkGroup);
    span.set(e.linkGroup, s ? [s[0], i] : [i, i]);
  });
  const blocked = new Set<number>();
  for (const [first, last] of span.values()) for (let i = first + 1; i <= last; i++) blocked.add(i);

  const total = sorted.reduce((sum, e) => sum + weight(e), 0);
  const cuts: number[] = [];
  let acc = 0;
  sorted.forEach((e, i) => {
    const target = (total * (cuts.length + 1)) / n;
    // Cut before the entry whose middle lies past the target, so one big file lands on the lighter side.
    if (cuts.length < n - 1 && i > 0 && acc + weight(e) / 2 >= target && !blocked.has(i)) cuts.push(i);
    acc += weight(e);
  });
  const bounds = [0, ...cuts, sorted.length];
  return bounds
    .slice(1)
    .map((end, k) => sorted.slice(bounds[k], end))
    .filter((p) => p.length > 0);
}
