/**
 * `lvs-image diff` output: per director what it needs (reboot or reload), then each section's changes, the IPVS
 * ones as the ipvsadm commands that turn A's table into B's. Pure.
 */
import type { Change, DirectorDiff, Section, SiteDiff } from './compare.js';

const MARK: Record<Change['kind'], string> = { added: '+', removed: '-', changed: '~' };

const SECTION_ORDER: readonly Section[] = [
  'kernel',
  'kernel options',
  'programs',
  'IPVS',
  'netfilter',
  'sysctls',
  'interfaces',
  'VIPs',
  'files',
];

/** An IPVS change as the ipvsadm command that makes it (`-A/-E/-D` services, `-a/-e/-d` destinations). */
export function ipvsadmCommand(c: Change): string {
  const isDest = c.subject.includes(' -r ');
  const verb = { added: isDest ? '-a' : '-A', changed: isDest ? '-e' : '-E', removed: isDest ? '-d' : '-D' }[
    c.kind
  ];
  const options = c.kind === 'removed' ? '' : ` ${c.after ?? ''}`;
  const was = c.kind === 'changed' ? `   (was ${c.before ?? ''})` : '';
  return `ipvsadm ${verb} ${c.subject}${options}${was}`;
}

function changeLine(c: Change): string[] {
  const mark = MARK[c.kind];
  switch (c.section) {
    case 'IPVS':
      return [`${mark} ${ipvsadmCommand(c)}`];
    case 'kernel options': {
      const value =
        c.kind === 'changed' ? `${c.before ?? ''} → ${c.after ?? ''}` : (c.after ?? c.before ?? '');
      const sep = c.kind === 'changed' ? ': ' : '=';
      const why = c.reasons.length > 0 ? `   # ${c.reasons.join('; ')}` : '';
      return [`${mark} ${c.subject}${sep}${value}${why}`];
    }
    case 'netfilter': {
      const lines = (t: string | null): string[] => (t === null || t === '' ? [] : t.split('\n'));
      const before = new Set(lines(c.before));
      const after = new Set(lines(c.after));
      return [
        `${mark} ${c.subject}`,
        ...lines(c.before)
          .filter((l) => !after.has(l))
          .map((l) => `    - ${l}`),
        ...lines(c.after)
          .filter((l) => !before.has(l))
          .map((l) => `    + ${l}`),
      ];
    }
    default:
      if (c.kind === 'added') return [`${mark} ${c.subject}: ${c.after ?? ''}`];
      if (c.kind === 'removed') return [`${mark} ${c.subject}: ${c.before ?? ''}`];
      return [`${mark} ${c.subject}: ${c.before ?? ''} → ${c.after ?? ''}`];
  }
}

function directorText(d: DirectorDiff): string[] {
  if (d.changes.length === 0) return [`${d.hostname}: no differences`];
  const why = [...new Set(d.changes.filter((c) => c.effect === d.needs).map((c) => c.section))].join(', ');
  const head =
    d.needs === 'reboot'
      ? `${d.hostname}: reboot needed (${why} changed)`
      : `${d.hostname}: reload only (${why} changed; a running director takes it without a reboot)`;
  const out = [head];
  for (const section of SECTION_ORDER) {
    const cs = d.changes.filter((c) => c.section === section);
    if (cs.length === 0) continue;
    out.push(`  ${section}`);
    for (const c of cs) out.push(...changeLine(c).map((l) => `    ${l}`));
  }
  for (const n of d.notCompared) out.push(`  (${n})`);
  return out;
}

/** The human-readable diff, newline-terminated. */
export function formatSiteDiff(diff: SiteDiff): string {
  const out = [`--- ${diff.a}`, `+++ ${diff.b}`];
  for (const h of diff.removedDirectors) out.push(`${h}: only in ${diff.a} (director removed)`);
  for (const h of diff.addedDirectors) out.push(`${h}: only in ${diff.b} (director added)`);
  for (const d of diff.directors) out.push(...directorText(d));
  if (diff.equal) out.push('no differences');
  return `${out.join('\n')}\n`;
}
