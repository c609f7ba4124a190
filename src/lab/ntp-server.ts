/**
 * The lab's NTP server (src/lab/programs/ntp-server.mjs) in the ops namespace, so the director's ntpd has a source
 * inside the lab; and the clock the director starts from.
 */
import path from 'node:path';
import { startProgram, type Daemon } from './daemon.js';

/** Where the director's clock starts in a lab with access.ntp (UTC): years behind, so only ntpd can set it right. */
export const LAB_RTC_BASE = '2020-01-01T00:00:00';

/** Starts the NTP server on UDP 123 of every address of namespace `ns`; each answer is logged to the work folder. */
export function startNtpServer(ns: string, workDir: string): Promise<Daemon> {
  return startProgram({
    ns,
    name: 'ntp-server',
    args: [],
    logFile: path.join(workDir, 'ntp-server.log'),
    ready: 'listening on UDP 123',
  });
}
