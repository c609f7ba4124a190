/**
 * `/etc/iptables.rules` in iptables-restore format: one `*table` block per table the spec uses, its chains,
 * the `-A` rules, and `COMMIT`. Firewall marks for fwmark services become mangle PREROUTING MARK rules.
 */
import type { FirewallMark, Netfilter, NetfilterRule } from '../spec/types.js';

/** One iptables-restore table block. */
export interface IptablesTable {
  name: NetfilterRule['table'];
  /** Chain declarations: `:PREROUTING ACCEPT [0:0]` for built-ins, `:NAME - [0:0]` for user chains. */
  chains: string[];
  /** `-A CHAIN ...` lines in order. */
  rules: string[];
}

/** Built-in chains of each table, in iptables-save order (net/ipv4/netfilter/iptable_*.c). */
const BUILTIN_CHAINS: Record<NetfilterRule['table'], readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Tables in the order packets meet them, which is also the order the file lists them. */
const TABLE_ORDER: readonly NetfilterRule['table'][] = ['raw', 'mangle', 'nat', 'filter'];

/** xt_multiport takes at most 15 ports per rule (XT_MULTI_PORTS). */
const MULTIPORT_MAX = 15;

/** The mangle rules that set one firewall mark. */
export function formatMarkRules(mark: FirewallMark): string[] {
  const dest = mark.destination.includes('/') ? mark.destination : `${mark.destination}/32`;
  const out: string[] = [];
  for (let i = 0; i < mark.ports.length; i += MULTIPORT_MAX) {
    const ports = mark.ports.slice(i, i + MULTIPORT_MAX).join(',');
    out.push(
      `-A PREROUTING -d ${dest} -p ${mark.protocol} -m multiport --dports ${ports} -j MARK --set-mark ${mark.mark}`,
    );
  }
  return out;
}

/** The tables a director's netfilter section needs; empty when it needs none. */
export function formatIptablesTables(netfilter: Netfilter | undefined): IptablesTable[] {
  const rules: { table: NetfilterRule['table']; chain: string; line: string }[] = [
    ...(netfilter?.marks ?? []).flatMap((m) =>
      formatMarkRules(m).map((line) => ({ table: 'mangle' as const, chain: 'PREROUTING', line })),
    ),
    ...(netfilter?.rules ?? []).map((r) => ({
      table: r.table,
      chain: r.chain,
      line: `-A ${r.chain} ${r.rule.trim()}`,
    })),
  ];
  return TABLE_ORDER.filter((t) => rules.some((r) => r.table === t)).map((table) => {
    const builtins = BUILTIN_CHAINS[table];
    const userChains = [...new Set(rules.filter((r) => r.table === table).map((r) => r.chain))].filter(
      (c) => !builtins.includes(c),
    );
    return {
      name: table,
      chains: [...builtins.map((c) => `:${c} ACCEPT [0:0]`), ...userChains.map((c) => `:${c} - [0:0]`)],
      rules: rules.filter((r) => r.table === table).map((r) => r.line),
    };
  });
}
