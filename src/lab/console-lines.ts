/**
 * The director console lines the lab waits for, from the console contract (src/runtime/console-contract.ts): the
 * end of the boot (the ready line, or the DEGRADED line the lab refuses), and a takeover as any MASTER line of a
 * pair's sync group.
 */
import { degradedLikeLine, masterLine } from '../runtime/console-contract.js';

/** /init's last boot line, the ready line or the DEGRADED one, matched whatever follows. */
export const BOOT_END_LINE = /^lvs-image: (?:ready|DEGRADED) .*$/m;

/** The DEGRADED line of a director's console, as printed, if its boot ended in one. Pure. */
export function degradedBoot(text: string): string | undefined {
  return degradedLikeLine(text);
}

/**
 * keepalived's `Entering MASTER STATE` line of any of `instances` (a pair's sync group moves them together), global
 * (to count). Any of them: a kernel line printed meanwhile can cut one in two on the serial console (seen:
 * `(dsas_ethIPVS: stopping backup sync thread 74 ...` then `0) Entering MASTER STATE`).
 */
export function groupMasterLine(instances: readonly string[]): RegExp {
  return new RegExp(instances.map((i) => `(?:${masterLine(i).source})`).join('|'), 'g');
}

/** How many times `re` (global) matches `text`. */
export function countMatches(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

/** The last VRRP state `instance` entered according to `text` (MASTER, BACKUP or FAULT). */
export function lastVrrpState(text: string, instance: string): string | undefined {
  return [
    ...text.matchAll(new RegExp(`\\(${instance}\\) Entering (MASTER|BACKUP|FAULT) STATE`, 'g')),
  ].pop()?.[1];
}
