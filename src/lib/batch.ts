/** Gathers a stream of small buffers into larger ones (pure apart from consuming its input). */

/**
 * Yields the bytes of `input` in buffers of at least `size` bytes (the last one may be smaller), in order.
 * A cpio writer yields a 110-byte header, a name and padding per entry: handed one by one to zlib, each
 * costs a trip to the thread pool; batched, the same bytes go in a few large writes.
 */
export async function* batchChunks(
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  size: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes < size) continue;
    yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes);
    pending = [];
    bytes = 0;
  }
  if (bytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes);
}
