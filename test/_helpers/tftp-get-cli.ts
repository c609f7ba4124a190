/**
 * Runs many `tftpGet`s at once from a separate process (e.g. inside a test namespace via `ip netns exec`) and
 * prints one JSON line: per transfer the sha256, size and duration, or the error. Argument: a JSON object
 * `{ host, port, file, count, blksize?, windowsize?, retryMs? }`.
 */
import { createHash } from 'node:crypto';
import { TftpRemoteError, tftpGet, type TftpGetOptions } from './tftp-client.js';

const args = JSON.parse(process.argv[2] ?? '{}') as TftpGetOptions & { count?: number };
const results = await Promise.all(
  Array.from({ length: args.count ?? 1 }, async () => {
    try {
      const r = await tftpGet({ ...args, dallyMs: 2000 });
      return {
        ok: true,
        sha256: createHash('sha256').update(r.data).digest('hex'),
        bytes: r.data.length,
        durationMs: Math.round(r.durationMs),
        outOfOrder: r.outOfOrder,
      };
    } catch (err) {
      return {
        ok: false,
        code: err instanceof TftpRemoteError ? err.code : null,
        error: (err as Error).message,
      };
    }
  }),
);
process.stdout.write(JSON.stringify(results) + '\n');
