/**
 * The atftp command-line client (Debian `atftp`, C) as a bench client: one process per transfer, timed from spawn
 * to exit, so the client end costs a C program's per-datagram work instead of Node's.
 */
import { spawn } from 'node:child_process';

/** What one atftp transfer reports: wall time and, when traced, the options the server's OACK accepted. */
export interface AtftpResult {
  durationMs: number;
  oack: Map<string, string> | undefined;
}

/** Arguments for `atftp --get` of `file` from 127.0.0.1:`port` into `local`, with blksize/windowsize options. */
export function atftpArgs(
  port: number,
  file: string,
  local: string,
  blksize: number,
  windowsize: number,
  trace = false,
): string[] {
  const opts = blksize === 512 ? [] : ['--option', `blksize ${blksize}`];
  if (windowsize > 1) opts.push('--option', `windowsize ${windowsize}`);
  return [
    ...(trace ? ['--trace'] : []),
    '--get',
    '-r',
    file,
    '-l',
    local,
    ...opts,
    '127.0.0.1',
    String(port),
  ];
}

/** Parses atftp's trace line `received OACK <windowsize: 16, blksize: 1468, >` into option name -> value. */
export function parseOackTrace(text: string): Map<string, string> | undefined {
  const line = /received OACK <([^>]*)>/.exec(text);
  if (line === null) return undefined;
  const pairs = [...line[1]!.matchAll(/([a-z]+): ([^,]+)/g)];
  return new Map(pairs.map((m) => [m[1]!, m[2]!.trim()]));
}

/** Runs one atftp transfer (killed after `timeoutMs`); rejects on a non-zero exit or a timeout. */
export function atftpGet(
  port: number,
  file: string,
  local: string,
  blksize: number,
  windowsize: number,
  opts: { trace?: boolean; timeoutMs?: number } = {},
): Promise<AtftpResult> {
  const args = atftpArgs(port, file, local, blksize, windowsize, opts.trace ?? false);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('atftp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // Only the head of the output matters (the OACK line); traced transfers print a line per packet.
    const keep = (c: Buffer): void => {
      if (out.length < 4096) out += c.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      const durationMs = performance.now() - started;
      clearTimeout(timer);
      if (code !== 0)
        reject(
          new Error(`atftp ${args.join(' ')} ended with ${signal ?? `status ${code}`}: ${out.slice(-300)}`),
        );
      else resolve({ durationMs, oack: opts.trace ? parseOackTrace(out) : undefined });
    });
  });
}
