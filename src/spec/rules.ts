/** Gate 3: the cross-field rules, as data: named functions over a spec with defaults applied. Pure. */
import type { Problem } from '../lib/errors.js';
import type { Rule } from './rule.js';
import { accessHasInside, authorizedKeysParse, sshListenRoles } from './rules/access.js';
import {
  checkPortKnown,
  httpCheckOnTcp,
  intervalAboveTimeout,
  keepalivedFitsKernel,
  sorryServerKnown,
} from './rules/health-checks.js';
import {
  advertIntervalFits,
  natGatewayFloats,
  pairInterfaces,
  pairMembers,
  pairPriorities,
  pairServicesEqual,
  pairVipsFloat,
  vrrpStartsAfterChecks,
  vridUnique,
} from './rules/pairs.js';
import {
  consolesExist,
  microcodeCpusValid,
  nicFamiliesKnown,
  watchdogFeedsInTime,
} from './rules/hardware.js';
import { syncBeforeTakeover } from './rules/sync.js';
import { drOnDirectorSubnet, natGatewayBypass, natOnInsideSubnet, vipOnInterface } from './rules/network.js';
import {
  fwmarkIsSet,
  knownRealServers,
  serviceVipKnown,
  uniqueMembers,
  uniqueNames,
  uniqueServices,
} from './rules/references.js';
import {
  forwardedPortUnchanged,
  memberPortRange,
  onePacketUdpOnly,
  persistenceNetmask,
  schedulerFlagsMatch,
  servicePortRange,
  serviceShape,
  thresholdOrder,
  weightRange,
} from './rules/services.js';
import { ipvsadmFitsKernel, ipvsadmHasFeatures, kernelHasFeatures } from './rules/versions.js';
import { PROGRAMS_PINNED_SUMMARY, programsPinned } from './rules/programs.js';
import type { Spec } from './types.js';

export type { Rule } from './rule.js';

/** Rules whose problems fail validation, in the order their problems are listed. */
export const RULES: readonly Rule[] = [
  uniqueNames,
  serviceShape,
  servicePortRange,
  memberPortRange,
  weightRange,
  thresholdOrder,
  persistenceNetmask,
  onePacketUdpOnly,
  schedulerFlagsMatch,
  forwardedPortUnchanged,
  knownRealServers,
  serviceVipKnown,
  uniqueServices,
  uniqueMembers,
  fwmarkIsSet,
  vipOnInterface,
  natOnInsideSubnet,
  drOnDirectorSubnet,
  kernelHasFeatures,
  ipvsadmFitsKernel,
  ipvsadmHasFeatures,
  programsPinned,
  keepalivedFitsKernel,
  httpCheckOnTcp,
  checkPortKnown,
  intervalAboveTimeout,
  sorryServerKnown,
  pairMembers,
  pairServicesEqual,
  pairPriorities,
  pairInterfaces,
  pairVipsFloat,
  vridUnique,
  advertIntervalFits,
  vrrpStartsAfterChecks,
  syncBeforeTakeover,
  natGatewayFloats,
  accessHasInside,
  authorizedKeysParse,
  sshListenRoles,
  nicFamiliesKnown,
  consolesExist,
  microcodeCpusValid,
  watchdogFeedsInTime,
];

/** One sentence per rule for docs/spec-reference.md (a test checks every rule has one). */
export const RULE_SUMMARIES: Readonly<Record<string, string>> = {
  uniqueNames:
    'Director host names, real-server names and MACs are unique in the site; interface names, VIPs and alias labels within a director.',
  serviceShape:
    'tcp/udp/sctp services need `vip` and `port` and take no `fwmark`; fwmark services need `fwmark` and take no `vip`/`port`.',
  servicePortRange: 'Service ports are 1..65535; port 0 (every port) only for persistent services.',
  memberPortRange: 'Real-server ports are 1..65535 (0 only in fwmark and port-0 services).',
  weightRange: 'Weights are 0..65535 (0 quiesces a server).',
  thresholdOrder: 'A non-zero `upperThreshold` is not below `lowerThreshold`.',
  persistenceNetmask: 'A persistence netmask is contiguous (255.255.255.0, not 255.0.255.0).',
  onePacketUdpOnly: '`onePacket` only on udp services.',
  schedulerFlagsMatch: '`sh-*` flags need scheduler `sh`, `mh-*` flags scheduler `mh`.',
  forwardedPortUnchanged:
    'Direct routing (gate) and tunnelling (ipip) keep the service port: a real server cannot use another one.',
  knownRealServers: 'Every service member names an entry of `realServers`.',
  serviceVipKnown: "A service's `vip` is one of its director's `vips`.",
  uniqueServices: 'No two services of a director share protocol + VIP + port, or fwmark.',
  uniqueMembers: 'No real server (by name, or by address and port) appears twice in one service.',
  fwmarkIsSet:
    'A fwmark service has a `netfilter.marks` entry or a rule with `--set-mark N` / `--set-xmark N` setting its mark.',
  vipOnInterface:
    "A VIP names an existing interface, lies in that interface's subnet, and its label starts with `<interface>:`.",
  natOnInsideSubnet: 'A NAT (masq) real server lies in an inside subnet of its director.',
  drOnDirectorSubnet:
    "A direct-routing (gate) real server lies in one of its director's subnets (same L2 segment).",
  kernelHasFeatures:
    'Schedulers, protocols, persistence engines, scheduler flags, one-packet and netfilter marks exist in the pinned kernel (kernel-config/features.json).',
  ipvsadmFitsKernel:
    'The ipvsadm pin is in the catalog: 1.21 for 2.4 kernels only, 1.24 or later for 2.6 and later.',
  ipvsadmHasFeatures:
    'The pinned ipvsadm can express the features used: sctp, `--pe`, `-o` from 1.26, scheduler flags from 1.28, mh flags from 1.30.',
  programsPinned: PROGRAMS_PINNED_SUMMARY,
  keepalivedFitsKernel:
    'The pinned kernel has every facility the pinned keepalived needs (timerfd, signalfd, eventfd, inotify, multicast; each with its first kernel in the catalog).',
  httpCheckOnTcp: 'An `http` check only on tcp (or fwmark) services.',
  checkPortKnown:
    'A checked member has a port to check: on fwmark and port-0 services the check names its `port`.',
  intervalAboveTimeout: "A check's `interval` is longer than its `timeout`.",
  sorryServerKnown:
    'A `sorryServer` names an entry of `realServers` that is not a member of the same service.',
  pairMembers:
    'Pair members are directors of the spec, each in one pair at most; pairs need the keepalived pin.',
  pairServicesEqual:
    'Every member of a pair has the same services, checks and real servers (a takeover must not change the table).',
  pairPriorities: 'Pair priorities name members only and differ between members (default 150, 100, 50).',
  pairInterfaces:
    "A pair instance's interface exists on every member and its addresses are VIPs of every member on that interface; the sync interface exists on every member.",
  pairVipsFloat:
    "Every VIP of a pair member floats with one of the pair's instances (or every member would answer ARP for it).",
  vridUnique: 'A VRID is used once per L2 segment across the whole site.',
  advertIntervalFits:
    'An advert interval is whole seconds (VRRPv2) or at most 40.95 s with two decimals (VRRPv3, chosen below 1 s).',
  vrrpStartsAfterChecks:
    'A pair member with health checks runs VRRP only once its first checks can have filled its table: `startupDelay` + master-down interval ≥ 1 s + interval + timeout (keepalived starts checked servers out, and a member that hears no master takes the addresses).',
  syncBeforeTakeover:
    'Under preempt with `connectionSync`, a returning member takes over no sooner than one `refreshPeriod` + 3 s after its sync daemon starts: max(`startupDelay`, `preemptDelay` − advert) + master-down interval ≥ that, so the open connections reach it first.',
  accessHasInside:
    '`access.metrics` listens on the inside address: every director has an interface with `role: inside`.',
  authorizedKeysParse:
    'Every `access.ssh.authorizedKeys` item is one bare public key (`type base64 [comment]`) of a type the pinned dropbear accepts, its blob of the same type, each listed once.',
  sshListenRoles: 'Every director has an interface of each role `access.ssh.listen` names (default inside).',
  natGatewayFloats:
    "A NAT real server behind a pair routes through the pair's floating inside address, never through one member's own address.",
  nicFamiliesKnown:
    '`hardware.nics` names a set (`default`) or families of hardware/nics.json, on kernel 6.1 or later.',
  consolesExist:
    'Every `image.console` is a console the kernel offers: `tty0`..`tty63` or `ttyS0`..`ttyS7` (`ttyS3` before 6.1), with an optional `,<baud>[parity][bits]`, each once.',
  microcodeCpusValid:
    'A `hardware.microcode` CPU list names each CPU once: Intel by family (model, stepping), AMD by family alone from 16 (10h); not with `hardware.firmware: none` nor before kernel 6.1.',
  watchdogFeedsInTime:
    '`hardware.watchdog` feeds at least twice per timeout (`interval` <= `timeout` / 2), so one late feed does not reset a loaded director.',
  natGatewayBypass:
    "Warning only: a NAT real server's explicit `gateway` is not its director's inside address, so replies bypass the director.",
};

/** Rules whose problems are printed but never fail validation. */
export const WARNING_RULES: readonly Rule[] = [natGatewayBypass];

/** Runs every rule in `rules` over `spec` and returns their problems in rule order, each fault once. */
export function checkRules(spec: Spec, rules: readonly Rule[] = RULES): Problem[] {
  const seen = new Set<string>();
  return rules
    .flatMap((rule) => rule(spec))
    .filter((p) => {
      const key = `${p.pointer ?? ''}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
