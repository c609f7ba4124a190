/**
 * Pure readers of what probe commands print on a booted director: versions, addresses, tables. The lines /init
 * prints itself (ready, FAILED) are read by src/runtime/console-contract.ts.
 */

/** The IPVS version ipvsadm was compiled with, from `ipvsadm --version` (`... and IPVS v1.2.1)`). */
export function ipvsVersionOfIpvsadm(output: string): string | undefined {
  return /IPVS v(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** The kernel's IPVS version, from the first line of /proc/net/ip_vs (`IP Virtual Server version 1.2.1 ...`). */
export function ipvsVersionOfKernel(output: string): string | undefined {
  return /^IP Virtual Server version (\d+\.\d+\.\d+)/m.exec(output)?.[1];
}

/** One IPv4 address from `ip -4 addr show`. */
export interface InetAddress {
  address: string;
  prefixLength: number;
  /** The alias label (`eth0:100`), or the interface name when the address has no label of its own. */
  label: string;
}

/** IPv4 addresses in `ip -4 addr show dev X` output: `inet 10.10.31.100/32 scope global eth0:100`. */
export function parseInetAddresses(output: string): InetAddress[] {
  const found: InetAddress[] = [];
  for (const m of output.matchAll(/^\s+inet (\d+\.\d+\.\d+\.\d+)\/(\d+)\b.*?\s(\S+)$/gm)) {
    found.push({ address: m[1] ?? '', prefixLength: Number(m[2]), label: m[3] ?? '' });
  }
  return found;
}

/** Rules text as ipvsadm -Sn prints it: comment and blank lines dropped, exactly one trailing newline. */
export function normalizeRules(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The `-A PREROUTING` lines of an iptables-restore file or of `iptables -t mangle -S PREROUTING`, in order, with
 * `--set-mark N` written the way iptables lists it back (`--set-xmark 0xN/0xffffffff`).
 */
export function normalizeMarkRules(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-A PREROUTING '))
    .map((l) =>
      l.replace(/--set-mark (0x[0-9a-f]+|\d+)(?=\s|$)/i, (_, n: string) => {
        return `--set-xmark 0x${Number(n).toString(16)}/0xffffffff`;
      }),
    );
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
