/**
 * access.syslog: the lab's log host (src/lab/programs/syslog-receiver.mjs on the ops host) and what it got. The
 * check: the director's kernel lines from the start of the boot, IPVS's, keepalived's and dropbear's reached it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startProgram, type Daemon } from '../daemon.js';
import type { LabOps } from '../plan/types.js';
import { pollUntil } from '../poll.js';
import { accessCheck, verdict } from './types.js';

/** Where the receiver writes what it got: one datagram per line, after the sender's address and a space. */
export function syslogFile(workDir: string): string {
  return path.join(workDir, 'syslog-received.log');
}

/** A datagram the syslog receiver got: who sent it (the director's source address) and its text. */
export interface SyslogLine {
  from: string;
  text: string;
}

/** The receiver's file as lines (see syslogFile). Pure. */
export function parseReceived(file: string): SyslogLine[] {
  return file
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const at = l.indexOf(' ');
      return at < 0 ? { from: l, text: '' } : { from: l.slice(0, at), text: l.slice(at + 1) };
    });
}

/** What the syslog receiver has got so far (none before its first datagram). */
export async function receivedSyslog(workDir: string): Promise<SyslogLine[]> {
  return parseReceived(await readFile(syslogFile(workDir), 'utf8').catch(() => ''));
}

/** Starts the log host's receiver in the ops namespace at the syslog address, writing into `workDir`. */
export function startSyslogReceiver(
  workDir: string,
  ops: LabOps & { syslog: NonNullable<LabOps['syslog']> },
): Promise<Daemon> {
  return startProgram({
    ns: ops.host.ns,
    name: 'syslog-receiver',
    args: [ops.syslog.address, String(ops.syslog.port), syslogFile(workDir)],
    logFile: path.join(workDir, 'syslog-receiver.log'),
    ready: 'listening on UDP',
  });
}

/**
 * Polls the received lines (bounded) until each of `wanted` matched a line after the first `after`; the line each
 * matched (undefined: none within the bound).
 */
export async function waitForSyslog(
  workDir: string,
  wanted: ((l: SyslogLine) => boolean)[],
  boundMs: number,
  after = 0,
): Promise<(SyslogLine | undefined)[]> {
  let found: (SyslogLine | undefined)[] = wanted.map(() => undefined);
  await pollUntil(
    async () => {
      const lines = (await receivedSyslog(workDir)).slice(after);
      found = wanted.map((w) => lines.find(w));
      return found.every((f) => f !== undefined) ? true : undefined;
    },
    { boundMs, everyMs: 500 },
  );
  return found;
}

/** A waitForSyslog predicate: the text matches `re`. */
export const texts =
  (re: RegExp) =>
  (l: SyslogLine): boolean =>
    re.test(l.text);

/**
 * A kernel line as klogd forwards it: `kernel: ` then, with CONFIG_PRINTK_TIME (the site kernel has it), the
 * printk time stamp `[    0.845486] `, then the message starting with `message`.
 */
export function kernelLine(message: string): RegExp {
  return new RegExp(`kernel: (?:\\[ *\\d+\\.\\d+\\] )?${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

export const SYSLOG = accessCheck('syslog', 'syslog', async (ctx, syslog, ops) => {
  const name = `remote syslog to ${syslog.address}:${syslog.port}`;
  const wanted = [
    // The kernel's first line of this boot and IPVS's own: klogd forwarded the ring from the start.
    { what: 'kernel', re: kernelLine('Linux version ') },
    { what: 'IPVS', re: kernelLine('IPVS: ') },
    ...(ctx.plan.mode === 'keepalived' ? [{ what: 'keepalived', re: /Keepalived/ }] : []),
    ...(ops.ssh !== undefined ? [{ what: 'dropbear', re: /dropbear\[\d+\]: / }] : []),
  ];
  const found = await waitForSyslog(
    ctx.workDir,
    wanted.map((w) => texts(w.re)),
    20_000,
  );
  const lines = await receivedSyslog(ctx.workDir);
  const senders = [...new Set(lines.map((l) => l.from))].join(', ');
  const missing = wanted.filter((_, i) => found[i] === undefined).map((w) => w.what);
  const quoted = wanted.map((w, i) => `${w.what}: "${(found[i]?.text ?? '').slice(0, 80)}"`).join('; ');
  return [
    verdict(
      name,
      missing.length === 0,
      missing.length === 0
        ? `${lines.length} lines received from ${senders}; ${quoted}`
        : `no ${missing.join(' or ')} line among ${lines.length} received (${syslogFile(ctx.workDir)})`,
    ),
  ];
});
