/** The director console lines the lab waits for: /init's ready line and keepalived's MASTER line of an instance. */

/** /init's last line once the director is up (templates/director/init.hbs). */
export const READY_LINE = /^lvs-image: ready .*$/m;

/**
 * keepalived's `Entering MASTER STATE` line of any of `instances` (a pair's sync group moves them together), as the
 * supervisor tags it on the console. Any of them: a kernel line printed meanwhile can cut one in two on the serial
 * console (seen: `(dsas_ethIPVS: stopping backup sync thread 74 ...` then `0) Entering MASTER STATE`).
 */
export function masterLine(instances: readonly string[]): RegExp {
  return new RegExp(`\\[keepalived\\] [^\\n]*\\((?:${instances.join('|')})\\) Entering MASTER STATE`, 'g');
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
