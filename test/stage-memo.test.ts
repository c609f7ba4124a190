import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileIdentity, memoize } from '../src/stage-memo.js';

process.env.LVS_IMAGE_CACHE = mkdtempSync(path.join(tmpdir(), 'lvs-memo-cache-'));

test.serial('a memo is reused for the same inputs and recomputed for others', async (t) => {
  const artifact = path.join(mkdtempSync(path.join(tmpdir(), 'lvs-memo-')), 'binary');
  writeFileSync(artifact, 'x');
  let calls = 0;
  const compute = () => {
    calls++;
    return Promise.resolve({ binary: artifact, n: calls });
  };
  const logs: string[] = [];
  const paths = (v: { binary: string }) => [v.binary];
  const a = await memoize('test', ['in-1'], paths, compute, (l) => logs.push(l));
  const b = await memoize('test', ['in-1'], paths, compute, (l) => logs.push(l));
  t.deepEqual(b, a);
  t.is(calls, 1);
  t.is(logs.length, 1);
  await memoize('test', ['in-2'], paths, compute, () => undefined);
  t.is(calls, 2);
});

test.serial('a memo whose files are gone is recomputed and replaced', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-memo-'));
  const artifact = path.join(dir, 'bzImage');
  writeFileSync(artifact, 'k');
  let calls = 0;
  const compute = () => Promise.resolve({ image: artifact, n: ++calls });
  const paths = (v: { image: string }) => [v.image];
  await memoize('gone', ['k'], paths, compute, () => undefined);
  rmSync(artifact);
  const again = await memoize('gone', ['k'], paths, compute, () => undefined);
  t.is(again.n, 2);
  writeFileSync(artifact, 'k');
  t.is((await memoize('gone', ['k'], paths, compute, () => undefined)).n, 2, 'the new value was remembered');
});

test('file identity changes with size and says when the file is missing', async (t) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lvs-memo-')), 'f');
  t.regex(await fileIdentity(file), /:missing$/);
  writeFileSync(file, 'a');
  const one = await fileIdentity(file);
  writeFileSync(file, 'ab');
  t.not(await fileIdentity(file), one);
});
