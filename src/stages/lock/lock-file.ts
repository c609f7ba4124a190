/**
 * The lock file `<spec-without-extension>.lock` (JSON): what a spec's kernel/ipvsadm pins resolve to (versions,
 * origins, sha256, IPVS versions) and the compiler. It records the pins, not the spec, so edits that keep the pins
 * keep the lock. Pure: naming, serializing (sorted keys, trailing newline), parsing, diffing.
 */
import { SpecError } from '../../lib/errors.js';
import type { IpvsadmLink } from '../../spec/types.js';
import { PROGRAMS, type ProgramName } from '../../packages/programs.js';
import { describeOrigin, shortSha, type SourceOrigin } from '../sources/origin.js';

/** Format version of the lock file (2: sources with their Debian versions and sizes, for the source store). */
export const LOCK_VERSION = 2;

/** A source tarball the lock pins: its name, bytes and where they were had from. */
export interface LockedSource {
  file: string;
  /** null: unknown on the machine that wrote the lock (see `unknown`). */
  sha256: string | null;
  size: number | null;
  origin: SourceOrigin;
}

/** The kernel a spec pins. `null` means unknown on the machine that wrote the lock (see `unknown`). */
export interface LockedKernel {
  /** The spec's kernel.version pin, e.g. `6.1`. */
  version: string;
  /** Version of the source tree (its top Makefile), or of the prebuilt image, e.g. `6.1.192`. */
  release: string | null;
  /** The source tarball (or, with `prebuilt`, the kernel image); null when the spec names neither. */
  source: LockedSource | null;
  /** True when `source` is a prebuilt kernel image (not a tarball in the store). */
  prebuilt: boolean;
  /** IPVS version of the kernel, e.g. `1.2.1`. */
  ipvsVersion: string | null;
  /** Where ipvsVersion was read. */
  ipvsVersionFrom: string | null;
}

/** The ipvsadm a spec pins, and the kernel its IPVS version was checked against. */
export interface LockedIpvsadm {
  version: string;
  link: IpvsadmLink;
  source: LockedSource;
  /** IPVS version ipvsadm's sources compile against. */
  ipvsVersion: string | null;
  ipvsVersionFrom: string | null;
  /** The kernel (release and source sha256) this ipvsadm was matched against when the lock was written. */
  checkedWithKernel: { release: string | null; sha256: string | null };
}

/** A program built from pinned source (keepalived, dropbear, busybox), locked when a director of the spec runs it. */
export interface LockedProgram {
  version: string;
  link: 'static' | 'dynamic';
  source: LockedSource;
}

/** A firmware or microcode package the image takes files from: its Debian version and its .deb. */
export interface LockedFirmware {
  version: string;
  source: LockedSource;
}

/** The lock's entries of programs built from pinned source besides ipvsadm (src/packages/programs.ts), in order. */
export const LOCKED_PROGRAMS: readonly ProgramName[] = PROGRAMS.map((p) => p.name);

/**
 * The whole lock file. Each program of the table (src/packages/programs.ts) has an entry of its name, present
 * when a director of the spec runs it.
 */
export type Lock = {
  lockVersion: number;
  kernel: LockedKernel;
  ipvsadm: LockedIpvsadm;
  /** The firmware and microcode packages (src/stages/firmware/) by Debian package name; absent when none. */
  firmware?: Record<string, LockedFirmware>;
  /** First line of `gcc --version`. */
  compiler: string | null;
  /** What could not be determined when the lock was written, and why. */
  unknown: string[];
} & Partial<Record<ProgramName, LockedProgram>>;

/** The lock file beside a spec: `images/dsas-lv1.yaml` → `images/dsas-lv1.lock`. */
export function lockFileFor(specFile: string): string {
  if (specFile.endsWith('.lock')) return specFile;
  return specFile.replace(/\.(ya?ml|json)$/i, '') + '.lock';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** The lock as text: keys sorted at every level, two-space indent, trailing newline. */
export function serializeLock(lock: Lock): string {
  return JSON.stringify(sortKeys(lock), null, 2) + '\n';
}

/** Parses a lock file's text; SpecError naming the file when it is not a lock this version understands. */
export function parseLock(text: string, file: string): Lock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SpecError({
      file,
      message: `not valid JSON: ${(err as Error).message}`,
      hint: 'regenerate it with `lvs-image lock SPEC`',
    });
  }
  const d = data as Partial<Lock> | null;
  if (typeof d?.lockVersion === 'number' && d.lockVersion < LOCK_VERSION) {
    throw new SpecError({
      file,
      message: `a lock of format ${d.lockVersion}, older than this lvs-image's format ${LOCK_VERSION} (it names no package versions for the source store)`,
      hint: 'rewrite it with `lvs-image lock SPEC` (check the changes it prints before you commit it)',
    });
  }
  if (d?.lockVersion !== LOCK_VERSION || typeof d.kernel !== 'object' || typeof d.ipvsadm !== 'object') {
    throw new SpecError({
      file,
      message: `not a lock file of format ${LOCK_VERSION}`,
      hint: 'regenerate it with `lvs-image lock SPEC`',
    });
  }
  return d as Lock;
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(
      prefix,
      value === null || value === undefined
        ? 'unknown'
        : typeof value === 'string'
          ? value
          : JSON.stringify(value),
    );
  }
}

/** `linux-source-6.1 6.1.192-2 (sha256 4d415b3d…)`: a locked source in a user's words. */
export function describeLockedSource(s: LockedSource | null): string {
  if (s === null) return 'no source';
  return `${describeOrigin(s.origin)} (${s.sha256 !== null ? `sha256 ${shortSha(s.sha256)}` : 'sha256 unknown'})`;
}

/** One line for a source whose bytes moved: `kernel: linux-source-6.1 6.1.192-2 (…) is locked; Debian now ships 6.1.192-3 (…)`. */
function describeSourceDrift(
  name: string,
  was: LockedSource | null,
  now: LockedSource | null,
): string | null {
  if (JSON.stringify(was?.sha256 ?? null) === JSON.stringify(now?.sha256 ?? null) && was?.file === now?.file)
    return null;
  const a = was?.origin;
  const b = now?.origin;
  const debian = (o: SourceOrigin | undefined): o is Extract<SourceOrigin, { version: string }> =>
    o?.kind === 'debian-binary' || o?.kind === 'debian-deb' || o?.kind === 'debian-source';
  if (debian(a) && debian(b) && a.package === b.package) {
    const ships = a.version === b.version ? `the same version ${b.version} with other bytes` : b.version;
    return `${name}: ${describeLockedSource(was)} is locked; Debian now ships ${ships} (${shortSha(now?.sha256 ?? null)})`;
  }
  return `${name}: ${describeLockedSource(was)} is locked; the spec now gives ${describeLockedSource(now)}`;
}

/**
 * What changed from the locked pins to the current ones, one readable line per change (empty: no drift).
 * A source whose bytes changed is one line naming both versions; `unknown` notes, provenance (`…From`) and
 * when a source was had are not compared; a kernel change also says the ipvsadm pairing must be re-checked.
 */
export function diffLock(locked: Lock, current: Lock): string[] {
  const lines: string[] = [];
  const sources: [string, LockedSource | null, LockedSource | null][] = [
    ['kernel', locked.kernel.source, current.kernel.source],
    ['ipvsadm', locked.ipvsadm.source, current.ipvsadm.source],
    ...LOCKED_PROGRAMS.filter((n) => locked[n] !== undefined || current[n] !== undefined).map(
      (n) =>
        [n, locked[n]?.source ?? null, current[n]?.source ?? null] as [
          string,
          LockedSource | null,
          LockedSource | null,
        ],
    ),
    ...[...new Set([...Object.keys(locked.firmware ?? {}), ...Object.keys(current.firmware ?? {})])]
      .sort()
      .map(
        (n) =>
          [n, locked.firmware?.[n]?.source ?? null, current.firmware?.[n]?.source ?? null] as [
            string,
            LockedSource | null,
            LockedSource | null,
          ],
      ),
  ];
  for (const [name, was, now] of sources) {
    const line = describeSourceDrift(name, was, now);
    if (line !== null) lines.push(line);
  }
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  const strip = (l: Lock): unknown => ({
    ...l,
    unknown: undefined,
    // NOTE: a firmware package's version moves with its bytes: the source line above says both.
    firmware: undefined,
    kernel: { ...l.kernel, source: undefined },
    ipvsadm: { ...l.ipvsadm, source: undefined, checkedWithKernel: undefined },
    ...Object.fromEntries(
      LOCKED_PROGRAMS.map((n) => [n, l[n] === undefined ? undefined : { ...l[n], source: undefined }]),
    ),
  });
  flatten(strip(locked), '', a);
  flatten(strip(current), '', b);
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    // NOTE: provenance (where a value was read) is not a pin: documented → read is no drift by itself.
    if (key === 'unknown' || key.endsWith('.source') || key.endsWith('.checkedWithKernel')) continue;
    if (key.endsWith('.ipvsVersionFrom')) continue;
    const [was, now] = [a.get(key) ?? 'absent', b.get(key) ?? 'absent'];
    if (was !== now) lines.push(`${key}: locked ${was}, now ${now}`);
  }
  const k0 = locked.kernel;
  const k1 = current.kernel;
  const checked = locked.ipvsadm.checkedWithKernel;
  const kernelMoved =
    (k0.source?.sha256 ?? null) !== (k1.source?.sha256 ?? null) || k0.release !== k1.release;
  if (kernelMoved && checked.sha256 === (k0.source?.sha256 ?? null)) {
    lines.push(
      `kernel changed (${describeLockedSource(k0.source)} → ${describeLockedSource(k1.source)}) but ipvsadm ${locked.ipvsadm.version} ` +
        `was checked against the first: re-check the pair with \`lvs-image lock SPEC\``,
    );
  }
  return lines;
}
