/** The kernel's IPVS version (IP_VS_VERSION_CODE), read from its sources or headers for the ipvsadm pin. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Headers that define IP_VS_VERSION_CODE, newest layout first: include/uapi/linux/ip_vs.h (3.7+),
 * include/linux/ip_vs.h (2.6.27/28 – 3.6), include/net/ip_vs.h (2.4 – 2.6.27). lvs-facts.md §3a.
 */
export const IPVS_VERSION_HEADERS = [
  'include/uapi/linux/ip_vs.h',
  'include/linux/ip_vs.h',
  'include/net/ip_vs.h',
];

/** The value of `#define IP_VS_VERSION_CODE 0x010201` in a header's text, or undefined. */
export function parseIpvsVersionCode(text: string): number | undefined {
  const m = /^\s*#\s*define\s+IP_VS_VERSION_CODE\s+(0x[0-9a-fA-F]+|\d+)\b/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** IP_VS_VERSION_CODE of a kernel tree (or headers folder) and the header it came from, or undefined. */
export function readIpvsVersionCode(treeDir: string): { code: number; file: string } | undefined {
  for (const rel of IPVS_VERSION_HEADERS) {
    const file = path.join(treeDir, rel);
    if (!existsSync(file)) continue;
    const code = parseIpvsVersionCode(readFileSync(file, 'utf8'));
    if (code !== undefined) return { code, file };
  }
  return undefined;
}
