/** The director console lines the lab waits for: /init's ready line and keepalived's MASTER line of an instance. */

/** /init's last line once the director is up (templates/director/init.hbs). */
export const READY_LINE = /^lvs-image: ready .*$/m;

/** keepalived's `Entering MASTER STATE` line of `instance`, as the supervisor tags it on the console. */
export function masterLine(instance: string): RegExp {
  return new RegExp(`\\[keepalived\\] [^\\n]*\\(${instance}\\) Entering MASTER STATE`, 'g');
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
