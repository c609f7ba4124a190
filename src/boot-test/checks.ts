/** What a boot test asserts, as a table of named checks over what the guest printed. Pure. */
import {
  degradedLikeLine,
  findFailures,
  parseReadyLine,
  readyLikeLine,
} from '../runtime/console-contract.js';
import {
  checkDaemons,
  checkKeepalived,
  checkSshListeners,
  type DaemonsExpected,
  type DaemonsObserved,
} from './daemon-checks.js';
import { unifiedDiff } from './diff.js';
import {
  ipvsVersionOfIpvsadm,
  ipvsVersionOfKernel,
  normalizeMarkRules,
  normalizeRules,
  parseInetAddresses,
} from './parse.js';

export { parseTcpListeners } from './daemon-checks.js';

/** What the director should show once booted. */
export interface BootExpectation extends DaemonsExpected {
  /** Who writes the IPVS table: /init from the rules, or keepalived (then `rules` is its table with no real
   * server answering, since none does inside boot-test). */
  mode: 'rules' | 'keepalived';
  /** Expected `ipvsadm -Sn`: the rendered /etc/ipvsadm.rules, or keepalived's table with every check failing. */
  rules: string;
  /** keepalived mode running no checker: the same spec's rules-mode table (src/boot-test/rules-mode.ts). */
  rulesModeTable?: string;
  /** keepalived mode: sha256 of the rendered /etc/keepalived/keepalived.conf. */
  keepalivedConfSha256?: string;
  /**
   * A pair member booted alone: its VRRP instances must become MASTER (no peer answers) after the master-down
   * interval, 3 x advert + (256 - priority) x advert / 256, and then hold every VIP.
   */
  vrrp?: { instances: string[]; masterDownS: number; startupS: number };
  vips: { address: string; label?: string; interface: string }[];
  services: number;
  realServers: number;
  /** The rendered /etc/iptables.rules (mangle table MARK rules of fwmark services); absent when there is none. */
  netfilter?: string;
  /** access.ssh: the `address:port` words dropbear must listen on, and nowhere else. */
  ssh?: { listen: string[] };
}

/** What the guest printed: the whole console, and the output of each probe command (absent if not run). */
export interface BootObservation extends DaemonsObserved {
  hostname: string;
  console: string;
  rules?: string;
  ipvsadmVersion?: string;
  procIpVs?: string;
  ipForward?: string;
  /** `iptables -t mangle -S PREROUTING` output; probed only when netfilter rules are expected. */
  mangle?: string;
  /** `ip -4 addr show dev X` output per interface name. */
  addresses: Record<string, string>;
  /** Pair member: milliseconds from the ready line to each instance's `Entering MASTER STATE` (absent: never). */
  vrrpMasterMs?: Record<string, number>;
  /** Why the console was given up on before the probes finished: a timeout or the guest stopping. */
  stopped?: string;
}

/** The verdict of one check. */
export interface BootCheck {
  name: string;
  ok: boolean;
  /** One line: what was seen, or what was missing. */
  detail: string;
  /** A unified diff, for the rules check. */
  diff?: string;
}

type Check = (e: BootExpectation, o: BootObservation) => BootCheck | BootCheck[];

const NOT_RUN = 'not checked: the guest shell never answered (see the console log)';

function checkReady(e: BootExpectation, o: BootObservation): BootCheck {
  const ready = parseReadyLine(o.console);
  // A step failed: /init said so in its DEGRADED line instead of the ready line; shown as printed.
  const degraded = degradedLikeLine(o.console);
  if (degraded !== undefined) return { name: 'ready line', ok: false, detail: `\`${degraded}\`` };
  if (ready === undefined) {
    const seen = readyLikeLine(o.console);
    const why = o.stopped !== undefined ? ` (${o.stopped})` : '';
    const detail =
      seen !== undefined
        ? `the ready line does not parse: \`${seen}\``
        : `no \`lvs-image: ready\` line on the console${why}`;
    return { name: 'ready line', ok: false, detail };
  }
  // keepalived adds real servers as their checks pass: its ready line can only promise the services.
  const members = (n: number): string => (e.mode === 'keepalived' ? '' : ` realservers=${n}`);
  const want = `ready ${o.hostname} mode=${e.mode} services=${e.services}${members(e.realServers)}`;
  const got = `ready ${ready.hostname} mode=${ready.mode} services=${ready.services}${members(ready.realServers)}`;
  return {
    name: 'ready line',
    ok: want === got,
    detail: want === got ? got : `expected \`${want}\`, got \`${got}\``,
  };
}

function checkNoFailure(_e: BootExpectation, o: BootObservation): BootCheck {
  const failures = findFailures(o.console);
  return {
    name: 'no FAILED step',
    ok: failures.length === 0,
    detail: failures.length === 0 ? 'none' : failures.join('; '),
  };
}

/** `ipvsadm -Sn` against `want`: `said.ok(lines)` when equal, else `said.differs` and a diff from `said.source`. */
function compareTable(
  name: string,
  want: string,
  o: BootObservation,
  said: { ok: (lines: number) => string; differs: string; source: string },
): BootCheck {
  if (o.rules === undefined) return { name, ok: false, detail: NOT_RUN };
  const [w, got] = [normalizeRules(want), normalizeRules(o.rules)];
  if (w === got) return { name, ok: true, detail: said.ok(got.split('\n').length - 1) };
  const labels = { expected: `expected (${said.source})`, actual: `actual (ipvsadm -Sn on ${o.hostname})` };
  return { name, ok: false, detail: said.differs, diff: unifiedDiff(w, got, labels) };
}

function checkRules(e: BootExpectation, o: BootObservation): BootCheck {
  return compareTable('ipvsadm -Sn', e.rules, o, {
    ok: (lines) => `${lines} lines as rendered`,
    differs: 'the IPVS table differs from the rendered rules',
    source:
      e.mode === 'keepalived'
        ? "keepalived's table with no real server answering"
        : 'rendered /etc/ipvsadm.rules',
  });
}

/** keepalived running no checker wrote exactly the table /init loads in rules mode from the same spec. */
function checkRulesModeTable(e: BootExpectation, o: BootObservation): BootCheck[] {
  if (e.rulesModeTable === undefined) return [];
  return [
    compareTable('keepalived = rules mode', e.rulesModeTable, o, {
      ok: (lines) => `${lines} lines, the same spec's rules-mode table`,
      differs: 'keepalived wrote another table than /init would in rules mode',
      source: "the same spec's rules-mode /etc/ipvsadm.rules",
    }),
  ];
}

/** Pair member alone: every instance became MASTER, and how long it took against the master-down interval. */
function checkVrrp(e: BootExpectation, o: BootObservation): BootCheck[] {
  if (e.vrrp === undefined) return [];
  const seen = o.vrrpMasterMs ?? {};
  return e.vrrp.instances.map((name) => {
    const ms = seen[name];
    return {
      name: `VRRP ${name}`,
      ok: ms !== undefined,
      detail:
        ms !== undefined
          ? `MASTER ${(ms / 1000).toFixed(1)} s after the ready line (${e.vrrp?.startupS ? `startup delay ${e.vrrp.startupS} s + ` : ''}master-down interval ${e.vrrp?.masterDownS.toFixed(2)} s)`
          : 'never became MASTER though no peer answers',
    };
  });
}

function checkIpvsVersion(_e: BootExpectation, o: BootObservation): BootCheck {
  if (o.ipvsadmVersion === undefined || o.procIpVs === undefined)
    return { name: 'IPVS version', ok: false, detail: NOT_RUN };
  const tool = ipvsVersionOfIpvsadm(o.ipvsadmVersion);
  const kernel = ipvsVersionOfKernel(o.procIpVs);
  const ok = tool !== undefined && tool === kernel;
  return {
    name: 'IPVS version',
    ok,
    detail: `ipvsadm compiled with ${tool ?? '?'}, kernel has ${kernel ?? '?'}`,
  };
}

function checkIpForward(_e: BootExpectation, o: BootObservation): BootCheck {
  if (o.ipForward === undefined) return { name: 'ip_forward', ok: false, detail: NOT_RUN };
  const value = o.ipForward.trim();
  return { name: 'ip_forward', ok: value === '1', detail: `net.ipv4.ip_forward = ${value}` };
}

function checkNetfilter(e: BootExpectation, o: BootObservation): BootCheck[] {
  if (e.netfilter === undefined) return [];
  const name = 'netfilter marks';
  if (o.mangle === undefined) return [{ name, ok: false, detail: NOT_RUN }];
  const want = normalizeMarkRules(e.netfilter);
  const got = normalizeMarkRules(o.mangle);
  if (want === got)
    return [{ name, ok: true, detail: `${got.split('\n').length - 1} mangle PREROUTING rules as rendered` }];
  const diff = unifiedDiff(want, got, {
    expected: 'expected (rendered /etc/iptables.rules)',
    actual: `actual (iptables -t mangle -S PREROUTING on ${o.hostname})`,
  });
  return [{ name, ok: false, detail: 'the mangle table differs from the rendered rules', diff }];
}

function checkVips(e: BootExpectation, o: BootObservation): BootCheck[] {
  return e.vips.map((vip) => {
    const label = vip.label ?? vip.interface;
    const name = `VIP ${vip.address}`;
    const output = o.addresses[vip.interface];
    if (output === undefined) return { name, ok: false, detail: NOT_RUN };
    const found = parseInetAddresses(output).find((a) => a.address === vip.address);
    if (found === undefined) return { name, ok: false, detail: `not on ${vip.interface}` };
    const ok = found.label === label;
    return {
      name,
      ok,
      detail: `${found.address}/${found.prefixLength} label ${found.label}${ok ? '' : ` (expected ${label})`}`,
    };
  });
}

/** The checks, in the order they are reported. */
export const BOOT_CHECKS: readonly Check[] = [
  checkReady,
  checkNoFailure,
  checkRules,
  checkRulesModeTable,
  checkDaemons,
  checkKeepalived,
  checkSshListeners,
  checkVrrp,
  checkIpvsVersion,
  checkIpForward,
  checkNetfilter,
  checkVips,
];

/** Runs every check of BOOT_CHECKS on an observation. */
export function checkBoot(expected: BootExpectation, observed: BootObservation): BootCheck[] {
  return BOOT_CHECKS.flatMap((check) => check(expected, observed));
}
