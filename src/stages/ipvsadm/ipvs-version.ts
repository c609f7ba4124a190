/**
 * IPVS version codes: reading them from headers and from `ipvsadm --version`, and matching ipvsadm to the kernel.
 * All pure. Why it matters (lvs-facts §3e): ipvsadm talks to the kernel with fixed binary structures; one built
 * against another IPVS version than the running kernel's can misreport or reject rules.
 */
import { formatIpvsVersion } from '../../context.js';
import { compareKernelVersions } from '../../lib/kernel-version.js';
import kernelIpvs from '../../packages/kernel-ipvs-versions.json' with { type: 'json' };

/** Kernel headers that may define IP_VS_VERSION_CODE, newest layout first (lvs-facts §3a). */
export const KERNEL_IPVS_HEADERS: readonly string[] = [
  'include/uapi/linux/ip_vs.h',
  'include/linux/ip_vs.h',
  'include/net/ip_vs.h',
];

/** The IP_VS_VERSION_CODE defined in a header's text, or null. */
export function parseIpvsVersionCode(headerText: string): number | null {
  const m = /^[ \t]*#[ \t]*define[ \t]+IP_VS_VERSION_CODE[ \t]+(0[xX][0-9a-fA-F]+|\d+)\b/m.exec(headerText);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** Parses `1.2.1` into 0x010201; null when not three dotted numbers below 256. */
export function ipvsVersionToCode(version: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (!m) return null;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (a > 255 || b > 255 || c > 255) return null;
  return (a << 16) | (b << 8) | c;
}

/** What `ipvsadm --version` says. */
export interface IpvsadmVersionInfo {
  /** ipvsadm's own version, e.g. `1.31`. */
  version: string;
  /** IPVSADM_VERSION_DATE, e.g. `2019/12/24`. */
  date: string;
  /** `popt` or `getopt_long` (1.24 without popt). */
  optionProcessing: string;
  /** The IP_VS_VERSION_CODE ipvsadm was compiled against, e.g. 0x010201. */
  ipvsVersionCode: number;
}

/**
 * Parses the line `ipvsadm --version` prints, e.g.
 * `ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)`; null when the line has another shape.
 * NOTE: the host has no IPVS, so `ipvsadm --version` cannot run here (main() calls ipvs_init() first and fails
 * with "Protocol not available"). The build predicts the line with a probe; the boot test, which runs the binary
 * inside a guest kernel, checks the real line with this function.
 */
export function parseIpvsadmVersion(line: string): IpvsadmVersionInfo | null {
  const m = /ipvsadm v(\S+) (\S+) \(compiled with (\S+) and IPVS v(\d+\.\d+\.\d+)\)/.exec(line);
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return null;
  const code = ipvsVersionToCode(m[4]);
  if (code === null) return null;
  return { version: m[1], date: m[2], optionProcessing: m[3], ipvsVersionCode: code };
}

/** The kernel version in a kernel Makefile (`VERSION`, `PATCHLEVEL`, `SUBLEVEL`, `EXTRAVERSION`), or null. */
export function parseKernelMakefileVersion(makefile: string): string | null {
  const get = (key: string): string | undefined =>
    new RegExp(`^${key}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(makefile)?.[1];
  const [v, p, s, e] = [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL'), get('EXTRAVERSION') ?? ''];
  if (v === undefined || p === undefined) return null;
  return `${v}.${p}${s !== undefined && s !== '' ? `.${s}` : ''}${e}`;
}

/** The two sides of an ipvsadm/kernel pair being matched. */
export interface IpvsPair {
  kernelRelease: string;
  kernelCode: number;
  ipvsadmVersion: string;
  ipvsadmCode: number;
  /** What the ipvsadm code was read from, e.g. `libipvs/ip_vs.h` or `the built binary (probe)`. */
  ipvsadmCodeFrom: string;
}

/** The mismatch explanation for a pair, or null when both sides agree. */
export function describeIpvsMismatch(pair: IpvsPair): string | null {
  if (pair.kernelCode === pair.ipvsadmCode) return null;
  const k = formatIpvsVersion(pair.kernelCode);
  const u = formatIpvsVersion(pair.ipvsadmCode);
  return (
    `IPVS version mismatch: kernel ${pair.kernelRelease} has IPVS ${k}, but ipvsadm ${pair.ipvsadmVersion} ` +
    `is compiled against IPVS ${u} (from ${pair.ipvsadmCodeFrom}). ipvsadm exchanges fixed binary structures ` +
    `with the kernel (setsockopt/netlink); built for another IPVS version it can misread the table, reject rules ` +
    `or print "IPVS version mismatch" warnings (2.4 kernels with IPVS 1.0.x need ipvsadm 1.21; 2.6.10+ kernels ` +
    `with IPVS 1.2.1 need ipvsadm >= 1.24). Pinned pair: kernel ${pair.kernelRelease} + ipvsadm ${pair.ipvsadmVersion}.`
  );
}

/** The documented IPVS code of a kernel version (src/packages/kernel-ipvs-versions.json), or null when not pinned. */
export function documentedKernelIpvsCode(kernelVersion: string): { code: number; source: string } | null {
  const row = kernelIpvs.series.find(
    (r) =>
      compareKernelVersions(kernelVersion, r.from) >= 0 && compareKernelVersions(kernelVersion, r.to) <= 0,
  );
  return row ? { code: row.code, source: row.source } : null;
}

/**
 * Checks the real `ipvsadm --version` line (captured inside a guest by the boot test) against what the build
 * predicted and, when given, the running kernel's IPVS code. Returns one message per problem (empty: all good).
 */
export function verifyIpvsadmVersionLine(
  line: string,
  built: { version: string; ipvsVersionCode: number },
  kernelCode?: number,
): string[] {
  const got = parseIpvsadmVersion(line);
  if (got === null) return [`not an "ipvsadm --version" line: ${JSON.stringify(line.trim())}`];
  const problems: string[] = [];
  if (got.version !== built.version)
    problems.push(`ipvsadm says v${got.version}, the build pinned ${built.version}`);
  if (got.ipvsVersionCode !== built.ipvsVersionCode) {
    problems.push(
      `ipvsadm says IPVS v${formatIpvsVersion(got.ipvsVersionCode)}, the build predicted ${formatIpvsVersion(built.ipvsVersionCode)}`,
    );
  }
  if (kernelCode !== undefined && got.ipvsVersionCode !== kernelCode) {
    problems.push(
      `ipvsadm is compiled with IPVS v${formatIpvsVersion(got.ipvsVersionCode)} but the running kernel has ${formatIpvsVersion(kernelCode)}`,
    );
  }
  return problems;
}
