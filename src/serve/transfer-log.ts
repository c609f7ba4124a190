/** The transfer log: one line per finished or refused request, as text or a JSON line. Pure. */
import type { HttpEvent } from './http.js';
import type { TftpEvent } from './tftp-server.js';

/** Anything the servers report. */
export type ServeEvent = TftpEvent | HttpEvent;

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Transfer rate in MB/s (10^6 bytes per second), 0 for instant or empty transfers. */
export function rateMBps(bytes: number, durationMs: number): number {
  return durationMs > 0 ? bytes / durationMs / 1000 : 0;
}

/** One human-readable log line: protocol, client, file, then bytes/duration/rate or the refusal. */
export function formatEvent(e: ServeEvent): string {
  const head = `${e.protocol} ${e.client} ${JSON.stringify(e.file)}`;
  if (e.protocol === 'tftp' && e.code !== undefined)
    return `${head} refused: ERROR ${e.code} ${e.error ?? ''}`.trimEnd();
  if (e.protocol === 'http' && !e.ok) return `${head} ${e.status} ${e.error ?? ''}`.trimEnd();
  const rate = `${rateMBps(e.bytes, e.durationMs).toFixed(1)} MB/s`;
  const base = `${head} ${humanBytes(e.bytes)} in ${(e.durationMs / 1000).toFixed(2)} s (${rate})`;
  if (e.protocol === 'http') return `${base} ${e.status}`;
  const tuning = ` blksize ${e.blksize ?? 512} window ${e.windowsize ?? 1}${e.retransmits ? ` retransmits ${e.retransmits}` : ''}`;
  return e.ok ? base + tuning : `${base}${tuning} FAILED: ${e.error ?? 'unknown'}`;
}

/** One JSON line: the event plus a timestamp and the rate. */
export function formatEventJson(e: ServeEvent, now: Date = new Date()): string {
  return JSON.stringify({
    time: now.toISOString(),
    ...e,
    rateMBps: Number(rateMBps(e.bytes, e.durationMs).toFixed(3)),
  });
}
