/** Network side effects: downloading a file (the only place lvs-image opens an HTTP connection). */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';

/** Downloads `url` to `dest` through a temporary name; throws an Error with the URL and the reason. */
export async function downloadFile(
  url: string,
  dest: string,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  try {
    // file:// URLs (a mirror on a shared volume, test fixtures): fetch() does not read them.
    if (url.startsWith('file:')) {
      await copyFile(fileURLToPath(url), tmp);
      await rename(tmp, dest);
      return;
    }
    const res = await fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5 * 60 * 1000),
      redirect: 'follow',
    });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    const why =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new Error(`${url}: ${why}`, { cause: err });
  }
}
