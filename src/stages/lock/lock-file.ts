/**
 * The lock file `<spec-without-extension>.lock` (JSON): what a spec's kernel/ipvsadm pins resolve to (versions,
 * origins, sha256, IPVS versions) and the compiler. It records the pins, not the spec, so edits that keep the pins
 * keep the lock. Pure: naming, serializing (sorted keys, trailing newline), parsing, diffing.
 */
import { SpecError } from '../../lib/errors.js';
import type { IpvsadmLink } from '../../spec/types.js';

/** Format version of the lock file. */
export const LOCK_VERSION = 1;

/** The kernel a spec pins. `null` means unknown on the machine that wrote the lock (see `unknown`). */
export interface LockedKernel {
  /** The spec's kernel.version pin, e.g. `6.1`. */
  version: string;
  /** Version of the source tree (its top Makefile), e.g. `6.1.192`. */
  release: string | null;
  /** A URL, a path, or `debian:<package>`. */
  origin: string;
  sha256: string | null;
  /** IPVS version of the kernel, e.g. `1.2.1`. */
  ipvsVersion: string | null;
  /** Where ipvsVersion was read. */
  ipvsVersionFrom: string | null;
}

/** The ipvsadm a spec pins, and the kernel its IPVS version was checked against. */
export interface LockedIpvsadm {
  version: string;
  link: IpvsadmLink;
  /** A URL (the pinned one; mirrors may serve the same bytes), a path, or `debian:<package>`. */
  origin: string;
  sha256: string | null;
  /** IPVS version ipvsadm's sources compile against. */
  ipvsVersion: string | null;
  ipvsVersionFrom: string | null;
  /** The kernel (release and sha256) this ipvsadm was matched against when the lock was written. */
  checkedWithKernel: { release: string | null; sha256: string | null };
}

/** The whole lock file. */
export interface Lock {
  lockVersion: number;
  kernel: LockedKernel;
  ipvsadm: LockedIpvsadm;
  /** First line of `gcc --version`. */
  compiler: string | null;
  /** What could not be determined when the lock was written, and why. */
  unknown: string[];
}

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

/**
 * What changed from the locked pins to the current ones, one readable line per change (empty: no drift).
 * `unknown` notes and `ipvsVersionFrom` provenance are not compared; a kernel change also says the ipvsadm
 * pairing must be re-checked.
 */
export function diffLock(locked: Lock, current: Lock): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten({ ...locked, unknown: undefined }, '', a);
  flatten({ ...current, unknown: undefined }, '', b);
  a.delete('unknown');
  b.delete('unknown');
  const lines: string[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    // NOTE: provenance (where a value was read) is not a pin: documented → read is no drift by itself.
    if (key.startsWith('ipvsadm.checkedWithKernel') || key.endsWith('.ipvsVersionFrom')) continue;
    const [was, now] = [a.get(key) ?? 'absent', b.get(key) ?? 'absent'];
    if (was !== now) lines.push(`${key}: locked ${was}, now ${now}`);
  }
  const k0 = locked.kernel;
  const k1 = current.kernel;
  const checked = locked.ipvsadm.checkedWithKernel;
  if (
    (k0.release !== k1.release || k0.sha256 !== k1.sha256) &&
    checked.release === k0.release &&
    checked.sha256 === k0.sha256
  ) {
    lines.push(
      `kernel changed (${k0.release ?? k0.version} → ${k1.release ?? k1.version}) but ipvsadm ${locked.ipvsadm.version} ` +
        `was checked against ${checked.release ?? 'unknown'}: re-check the pair with \`lvs-image lock SPEC\``,
    );
  }
  return lines;
}
