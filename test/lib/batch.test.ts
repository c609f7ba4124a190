import test from 'ava';
import { batchChunks } from '../../src/lib/batch.js';

// A sync generator: `for await` takes it as an async iterable, as the cpio writer's stream.
function* from(sizes: number[]): Generator<Buffer> {
  let n = 0;
  for (const s of sizes) {
    yield Buffer.from(Array.from({ length: s }, () => n++ % 251));
  }
}

async function collect(input: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of input) out.push(c);
  return out;
}

test('batchChunks gathers small buffers into batches of at least the size, bytes and order kept', async (t) => {
  const sizes = [110, 7, 3, 4000, 110, 9, 1, 2500, 6];
  const whole = Buffer.concat(await collect(from(sizes)));
  const batches = await collect(batchChunks(from(sizes), 4096));
  t.deepEqual(
    batches.map((b) => b.length),
    [4120, 2626],
  );
  t.deepEqual(Buffer.concat(batches), whole);
});

test('batchChunks passes a large buffer through as it is and yields nothing for nothing', async (t) => {
  const big = (await collect(from([10_000])))[0]!;
  const [only] = await collect(batchChunks(from([10_000]), 4096));
  t.deepEqual(only, big);
  t.deepEqual(await collect(batchChunks(from([]), 4096)), []);
});
