/** Kernel version strings (`6.1`, `6.1.192`, `2.6.16.27`): parsing and ordering. */

/** Numeric parts of a kernel version, e.g. `2.6.16.27` → [2, 6, 16, 27]; null when not a version. */
export function parseKernelVersion(v: string): number[] | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v);
  if (!m) return null;
  return m
    .slice(1)
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

/** Compares two versions part by part; missing parts count as 0 (`6.1` == `6.1.0`). */
export function compareKernelVersions(a: string, b: string): number {
  const pa = parseKernelVersion(a) ?? [];
  const pb = parseKernelVersion(b) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` is `since` or later. */
export function kernelAtLeast(version: string, since: string): boolean {
  return compareKernelVersions(version, since) >= 0;
}
