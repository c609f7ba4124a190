/**
 * The semantic difference of two sites' director states, and what applying it takes: a reboot (the kernel, a
 * program or /init changed: a diskless director only gets those from a new boot) or only a reload of the running
 * director (IPVS table, netfilter rules, sysctls, VIPs: ipvsadm, iptables-restore, sysctl, ip addr, or keepalived
 * re-reading its configuration). Pure.
 */
import { PROGRAMS } from '../packages/programs.js';
import type { DirectorState, FileState } from './state.js';

/** What applying a change to a running director takes. */
export type Effect = 'reboot' | 'reload';

/** The parts of a state, in the order they are printed. */
export type Section =
  | 'kernel'
  | 'kernel options'
  | 'programs'
  | 'IPVS'
  | 'netfilter'
  | 'sysctls'
  | 'interfaces'
  | 'VIPs'
  | 'files';

/** One difference. */
export interface Change {
  section: Section;
  kind: 'added' | 'removed' | 'changed';
  /** What changed, in the section's terms: `CONFIG_IP_VS_SH`, `-t 10.10.31.100:80 -r 10.10.31.101:80`, `/init`. */
  subject: string;
  before: string | null;
  after: string | null;
  /** Why, where the state says (the kernel fragment's reasons). */
  reasons: string[];
  effect: Effect;
}

/** The differences of one director present on both sides. */
export interface DirectorDiff {
  hostname: string;
  changes: Change[];
  /** The strongest effect among the changes, null when equal. */
  needs: Effect | null;
  /** Sections one side could not say anything about (a spec's root files are only its rendered files). */
  notCompared: string[];
}

/** The whole comparison. */
export interface SiteDiff {
  a: string;
  b: string;
  /** Directors only in A (removed) or only in B (added). */
  removedDirectors: string[];
  addedDirectors: string[];
  directors: DirectorDiff[];
  equal: boolean;
}

/**
 * Files a running director can take without a reboot: the configuration its reload reads. Everything else in the
 * root (/init, binaries, libraries) runs from the initramfs it booted.
 */
const RELOADABLE_FILES: ReadonlySet<string> = new Set([
  '/etc/ipvsadm.rules',
  '/etc/ipvsadm.thresholds',
  '/etc/keepalived/keepalived.conf',
  '/etc/iptables.rules',
  '/etc/sysctl.conf',
  // dropbear reads it at each login: copying the new file over is the whole change.
  '/root/.ssh/authorized_keys',
]);

function compareRecords<V>(
  a: Record<string, V>,
  b: Record<string, V>,
  make: (key: string, kind: Change['kind'], before: V | undefined, after: V | undefined) => Change | null,
): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: Change[] = [];
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    const kind = x === undefined ? 'added' : y === undefined ? 'removed' : 'changed';
    if (kind === 'changed' && JSON.stringify(x) === JSON.stringify(y)) continue;
    const c = make(k, kind, x, y);
    if (c !== null) out.push(c);
  }
  return out;
}

function plain(section: Section, effect: Effect, prefix = '') {
  return (k: string, kind: Change['kind'], x: string | undefined, y: string | undefined): Change => ({
    section,
    kind,
    subject: `${prefix}${k}`,
    before: x ?? null,
    after: y ?? null,
    reasons: [],
    effect,
  });
}

function ipvsChanges(a: DirectorState, b: DirectorState): Change[] {
  const out: Change[] = [];
  const change = (
    kind: Change['kind'],
    subject: string,
    before: string | null,
    after: string | null,
  ): void => {
    out.push({ section: 'IPVS', kind, subject, before, after, reasons: [], effect: 'reload' });
  };
  const switches = [...new Set([...Object.keys(a.services), ...Object.keys(b.services)])].sort();
  for (const sw of switches) {
    const x = a.services[sw];
    const y = b.services[sw];
    if (x === undefined && y !== undefined) {
      change('added', sw, null, y.options);
      for (const [m, o] of Object.entries(y.members)) change('added', `${sw} -r ${m}`, null, o);
      continue;
    }
    if (y === undefined && x !== undefined) {
      change('removed', sw, x.options, null);
      continue;
    }
    if (x === undefined || y === undefined) continue;
    if (x.options !== y.options) change('changed', sw, x.options, y.options);
    out.push(
      ...compareRecords(x.members, y.members, (m, kind, before, after) => ({
        section: 'IPVS',
        kind,
        subject: `${sw} -r ${m}`,
        before: before ?? null,
        after: after ?? null,
        reasons: [],
        effect: 'reload',
      })),
    );
  }
  return out;
}

function fileChanges(a: DirectorState, b: DirectorState): Change[] {
  // Against a spec only its rendered files can be compared: restrict both sides to the paths a spec renders.
  const both = a.filesComplete && b.filesComplete;
  const scope = both ? undefined : new Set(Object.keys(a.filesComplete ? b.files : a.files));
  const pick = (files: Record<string, FileState>): Record<string, FileState> =>
    scope === undefined ? files : Object.fromEntries(Object.entries(files).filter(([p]) => scope.has(p)));
  const text = (f: FileState | undefined): string | null =>
    f === undefined ? null : `${f.size} bytes, mode ${f.mode}, sha256 ${f.sha256.slice(0, 12)}`;
  return compareRecords(pick(a.files), pick(b.files), (p, kind, x, y) => ({
    section: 'files',
    kind,
    subject: p,
    before: text(x),
    after: text(y),
    reasons: [],
    effect: RELOADABLE_FILES.has(p) ? 'reload' : 'reboot',
  }));
}

/** The differences between two states of one director. */
export function diffDirector(a: DirectorState, b: DirectorState): DirectorDiff {
  const changes: Change[] = [];
  const kernelA = a.kernel.release ?? a.kernel.version;
  const kernelB = b.kernel.release ?? b.kernel.version;
  // A spec pins a series (6.1), a build knows the release (6.1.192): compare releases only when both have one.
  const kernelDiffers =
    a.kernel.release !== null && b.kernel.release !== null
      ? a.kernel.release !== b.kernel.release
      : a.kernel.version !== b.kernel.version;
  if (kernelDiffers) changes.push({ ...plain('kernel', 'reboot')('kernel', 'changed', kernelA, kernelB) });
  changes.push(
    ...compareRecords(a.kernelOptions, b.kernelOptions, (s, kind, x, y) => ({
      section: 'kernel options',
      kind,
      subject: `CONFIG_${s}`,
      before: x?.value ?? null,
      after: y?.value ?? null,
      reasons: (y ?? x)?.reasons ?? [],
      effect: 'reboot',
    })).filter((c) => c.kind !== 'changed' || c.before !== c.after),
  );
  const programs = (s: DirectorState): Record<string, string> => ({
    ipvsadm: s.ipvsadm,
    ...Object.fromEntries(
      PROGRAMS.flatMap((p) => {
        const version = s[p.name];
        return version != null ? [[p.diffLabel, version]] : [];
      }),
    ),
    'IPVS table owner': s.mode,
  });
  changes.push(...compareRecords(programs(a), programs(b), plain('programs', 'reboot')));
  changes.push(...ipvsChanges(a, b));
  changes.push(
    ...compareRecords(a.netfilter, b.netfilter, (t, kind, x, y) => ({
      section: 'netfilter',
      kind,
      subject: t,
      before: x?.join('\n') ?? null,
      after: y?.join('\n') ?? null,
      reasons: [],
      effect: 'reload',
    })),
  );
  changes.push(...compareRecords(a.sysctls, b.sysctls, plain('sysctls', 'reload')));
  changes.push(...compareRecords(a.interfaces, b.interfaces, plain('interfaces', 'reboot')));
  changes.push(...compareRecords(a.vips, b.vips, plain('VIPs', 'reload')));
  changes.push(...fileChanges(a, b));
  const needs = changes.some((c) => c.effect === 'reboot') ? 'reboot' : changes.length > 0 ? 'reload' : null;
  const notCompared =
    a.filesComplete && b.filesComplete
      ? []
      : [
          'only the rendered configuration files of the root were compared (a spec has no built root filesystem)',
        ];
  return { hostname: a.hostname, changes, needs, notCompared };
}

/** Compares every director of A with the director of the same hostname in B. */
export function diffSites(
  a: { label: string; directors: DirectorState[] },
  b: { label: string; directors: DirectorState[] },
): SiteDiff {
  const inB = new Map(b.directors.map((d) => [d.hostname, d]));
  const inA = new Set(a.directors.map((d) => d.hostname));
  const directors = a.directors.flatMap((d) => {
    const other = inB.get(d.hostname);
    return other === undefined ? [] : [diffDirector(d, other)];
  });
  const removedDirectors = a.directors.filter((d) => !inB.has(d.hostname)).map((d) => d.hostname);
  const addedDirectors = b.directors.filter((d) => !inA.has(d.hostname)).map((d) => d.hostname);
  return {
    a: a.label,
    b: b.label,
    removedDirectors,
    addedDirectors,
    directors,
    equal:
      removedDirectors.length === 0 &&
      addedDirectors.length === 0 &&
      directors.every((d) => d.changes.length === 0),
  };
}
