/**
 * Which kernel modules a director loads at boot, derived from what its services use (kernel-config/features.json).
 * Only tristate symbols have a module; bool symbols (IP_VS_PROTO_TCP, NETFILTER) are part of another object.
 */
import { createRequire } from 'node:module';
import { hardwareApplies, imageNicModules, prebuiltPlatformModules } from './hardware/selection.js';
import type { Director, Spec } from './spec/types.js';
import { listSpecFeatures } from './stages/kernel/spec-features.js';

const require = createRequire(import.meta.url);
const FEATURES = (
  require('../kernel-config/features.json') as { features: Record<string, { symbols: string[] }> }
).features;

/** Kconfig symbol → module object name, as the 6.1 Makefiles name them (net/netfilter, net/ipv4/netfilter). */
const SYMBOL_MODULE: Readonly<Record<string, string>> = {
  IP_VS: 'ip_vs',
  IP_VS_RR: 'ip_vs_rr',
  IP_VS_WRR: 'ip_vs_wrr',
  IP_VS_LC: 'ip_vs_lc',
  IP_VS_WLC: 'ip_vs_wlc',
  IP_VS_LBLC: 'ip_vs_lblc',
  IP_VS_LBLCR: 'ip_vs_lblcr',
  IP_VS_DH: 'ip_vs_dh',
  IP_VS_SH: 'ip_vs_sh',
  IP_VS_SED: 'ip_vs_sed',
  IP_VS_NQ: 'ip_vs_nq',
  IP_VS_FO: 'ip_vs_fo',
  IP_VS_OVF: 'ip_vs_ovf',
  IP_VS_MH: 'ip_vs_mh',
  IP_VS_TWOS: 'ip_vs_twos',
  IP_VS_PE_SIP: 'ip_vs_pe_sip',
  NETFILTER_XTABLES: 'x_tables',
  IP_NF_IPTABLES: 'ip_tables',
  IP_NF_FILTER: 'iptable_filter',
  IP_NF_MANGLE: 'iptable_mangle',
  IP_NF_RAW: 'iptable_raw',
  IP_NF_NAT: 'iptable_nat',
  NF_CONNTRACK: 'nf_conntrack',
  NF_NAT: 'nf_nat',
  NETFILTER_XT_TARGET_MARK: 'xt_mark',
  NETFILTER_XT_MATCH_MULTIPORT: 'xt_multiport',
};

/**
 * The driver modules the image carries for /init's coldplug: the NIC drivers (hardware/nics.json through the
 * spec's `hardware.nics`) the catalog keeps as modules, or every selected one for a prebuilt (distribution) kernel,
 * which has them as modules in its own tree (a driver it lacks fails the build); for a prebuilt kernel also its
 * platform modules (the watchdog drivers, hardware/platform.json's `prebuilt`). None before kernel 6.1, whose base
 * fragment builds its NICs in.
 */
export function coldplugModules(spec: Spec): string[] {
  if (!hardwareApplies(spec.kernel.version)) return [];
  return [...imageNicModules(spec), ...prebuiltPlatformModules(spec).map((m) => m.module)];
}

/** Modules a director loads, in load order (ip_vs first; modules.dep closure is resolved by the packer). */
export function directorModules(spec: Spec, director: Director): string[] {
  if (spec.kernel.options !== 'module') return [];
  const modules = new Set<string>();
  for (const { feature } of listSpecFeatures({ ...spec, directors: [director] })) {
    for (const symbol of FEATURES[feature]?.symbols ?? []) {
      const mod = SYMBOL_MODULE[symbol];
      if (mod !== undefined) modules.add(mod);
    }
  }
  return [...modules].sort((a, b) => (a === 'ip_vs' ? -1 : b === 'ip_vs' ? 1 : a.localeCompare(b)));
}
