/**
 * What a director prints on its console, as both sides read it: /init and its boot steps (templates/director/init,
 * templates/director/lib/lvs/*.sh) print these lines; boot-test, the lab and the tests wait for and parse them.
 * Change a line here and in the shell together (test/runtime/console-contract.test.ts holds them to each other).
 */

/** Who writes the IPVS table: /init from the rendered rules, or keepalived from its config (health checks). */
export type ReadyMode = 'rules' | 'keepalived';

/** The line /init prints when the director is configured (parsed by boot-test and the lab). */
export const READY_PATTERN =
  /^lvs-image: ready (\S+) mode=(rules|keepalived) services=(\d+) realservers=(\d+)$/m;

/** The start of the ready line, matched whatever follows (a lab waits for it without parsing it). */
export const READY_START = /^lvs-image: ready .*$/m;

/** Formats the ready line /init prints; `mode` says who wrote the IPVS table (the rules, or keepalived). */
export function readyLine(hostname: string, mode: ReadyMode, services: number, realServers: number): string {
  return `lvs-image: ready ${hostname} mode=${mode} services=${services} realservers=${realServers}`;
}

/** What /init reported in its ready line. */
export interface ReadyLine {
  hostname: string;
  mode: ReadyMode;
  services: number;
  realServers: number;
}

/** The host, mode and counts of a ready or DEGRADED line match (groups 1-4 of either pattern). */
function countsOf(m: RegExpExecArray): ReadyLine {
  return {
    hostname: m[1] ?? '',
    mode: m[2] === 'keepalived' ? 'keepalived' : 'rules',
    services: Number(m[3]),
    realServers: Number(m[4]),
  };
}

/** The ready line in console text, if /init printed it. */
export function parseReadyLine(text: string): ReadyLine | undefined {
  const m = READY_PATTERN.exec(text);
  return m === null ? undefined : countsOf(m);
}

/** The first line that starts like the ready line, as printed (for reporting one that does not parse). */
export function readyLikeLine(text: string): string | undefined {
  return /^lvs-image: ready.*$/m.exec(text)?.[0];
}

/** A failed boot step: `lvs-image: FAILED <step>: <details>`; the boot goes on. */
export function failedLine(step: string, details: string): string {
  return `lvs-image: FAILED ${step}: ${details}`;
}

/** Every `lvs-image: FAILED <step>: ...` line /init printed, in order. */
export function findFailures(text: string): string[] {
  return text.match(/^lvs-image: FAILED .*$/gm) ?? [];
}

/** The line /init prints when it is done, one way or the other: the ready line or a failure. */
export const BOOT_DONE_PATTERN = /^lvs-image: (?:ready|FAILED|DEGRADED) .*$/m;

/**
 * The line /init prints instead of the ready line when any boot step failed: the counts as in the ready line, then
 * every failed step once, in the order they failed, comma-separated (step names hold no comma).
 */
export const DEGRADED_PATTERN =
  /^lvs-image: DEGRADED (\S+) mode=(rules|keepalived) services=(\d+) realservers=(\d+) failed=(.+)$/m;

/** /init's last boot line, whichever it is: ready, or DEGRADED. */
export const FINAL_PATTERN = new RegExp(`${READY_PATTERN.source}|${DEGRADED_PATTERN.source}`, 'm');

/** Formats the DEGRADED line; `failed` are the failed steps (`interface eth0`, `vip eth0:100`). */
export function degradedLine(
  hostname: string,
  mode: ReadyMode,
  services: number,
  realServers: number,
  failed: readonly string[],
): string {
  return `lvs-image: DEGRADED ${hostname} mode=${mode} services=${services} realservers=${realServers} failed=${failed.join(',')}`;
}

/** What /init reported in its DEGRADED line. */
export interface DegradedLine extends ReadyLine {
  failed: string[];
  /** The line as printed. */
  line: string;
}

/** The DEGRADED line in console text, if /init printed one. */
export function parseDegradedLine(text: string): DegradedLine | undefined {
  const m = DEGRADED_PATTERN.exec(text);
  return m === null ? undefined : { ...countsOf(m), failed: (m[5] ?? '').split(','), line: m[0] };
}

/** The first line that starts like the DEGRADED line, as printed (a lab or boot-test shows it whole). */
export function degradedLikeLine(text: string): string | undefined {
  return /^lvs-image: DEGRADED.*$/m.exec(text)?.[0];
}

/** A console line a supervised daemon printed: `[name] ` then the daemon's own line. */
export const DAEMON_LINE = /^\[[a-z][a-z0-9_-]*\] .*\n/gm;

/** The tag the supervisor puts before each line of daemon `name`. */
export function daemonTag(name: string): string {
  return `[${name}] `;
}

/** The supervisor's line when daemon `name` exited and is started again (`restarts` counts from 1). */
export function restartLine(name: string, restarts: number): string {
  return `lvs-image: ${name} exited; restart ${restarts} in 1 s`;
}

/** The supervisor's line when daemon `name` exited with its down file present: it stays stopped. */
export function stoppedLine(name: string): string {
  return `lvs-image: ${name} stopped; rm /run/${name}.down to start it again`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * keepalived's line when VRRP instance `instance` becomes master, as the supervisor tags it. Not anchored: the
 * shell's prompt may precede the tagged line on the console. `flags` as for RegExp (`g` to count them).
 */
export function masterLine(instance: string, flags = ''): RegExp {
  return new RegExp(
    `${escapeRegExp(daemonTag('keepalived'))}[^\\n]*\\(${escapeRegExp(instance)}\\) Entering MASTER STATE`,
    flags,
  );
}

/** keepalived's own words for a VRRP instance becoming master (as a log host receives them, untagged). */
export function masterText(instance: string): string {
  return `(${instance}) Entering MASTER STATE`;
}
