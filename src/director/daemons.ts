/**
 * Which daemons a director's /init starts, in start order: decided from the model exactly as /init's blocks decide
 * them today (templates/director/init.hbs). Names only; how each runs is the runtime's table. Pure.
 */
import type { DaemonName, DirectorModel } from './types.js';

/** When each daemon runs, in start order. */
const DAEMON_WHEN: readonly [DaemonName, (m: Pick<DirectorModel, 'mode' | 'access'>) => boolean][] = [
  ['syslogd', (m) => m.access.syslog !== null || m.access.localSyslog],
  ['klogd', (m) => m.access.syslog !== null],
  ['ntpd', (m) => m.access.ntp !== null],
  ['dropbear', (m) => m.access.ssh !== null],
  ['keepalived', (m) => m.mode === 'keepalived'],
  ['httpd', (m) => m.access.metrics !== null],
];

/** The daemons of a director with this mode and access. */
export function directorDaemons(m: Pick<DirectorModel, 'mode' | 'access'>): DaemonName[] {
  return DAEMON_WHEN.filter(([, when]) => when(m)).map(([name]) => name);
}
