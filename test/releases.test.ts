import test from 'ava';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError, SpecError } from '../src/lib/errors.js';
import { checkRelease, listReleases, rollback } from '../src/releases.js';
import { makeSiteStaging, publishRelease } from '../src/stages/publish.js';

function tempOut(): string {
  return mkdtempSync(path.join(tmpdir(), 'lvs-releases-'));
}

/** Publishes a release of site `dsas` with director lv1 whose manifest names `kernel`; ages it to `at` seconds. */
async function publish(out: string, kernel: string, at: number, keep?: number) {
  const root = await makeSiteStaging(out);
  mkdirSync(path.join(root, 'lv1'));
  writeFileSync(path.join(root, 'lv1/lv1-kernel'), `kernel ${kernel}`);
  writeFileSync(
    path.join(root, 'lv1/manifest.json'),
    JSON.stringify({
      hostname: 'lv1',
      kernel: { release: kernel },
      ipvsadm: { version: '1.31' },
      keepalived: null,
      spec: { sha256: 'a'.repeat(64) },
      lock: { sha256: 'b'.repeat(64) },
    }),
  );
  const r = await publishRelease(root, out, 'dsas', keep);
  utimesSync(r.release, at, at);
  return path.basename(r.release).slice('dsas-'.length);
}

const current = (out: string): string => path.basename(readlinkSync(path.join(out, 'dsas')));
const previous = (out: string): string => readlinkSync(path.join(out, '.releases/dsas.previous'));

test('releases: newest first, current and previous marked, versions from each manifest', async (t) => {
  const out = tempOut();
  const a = await publish(out, '6.1.1', 1000, 3);
  const b = await publish(out, '6.1.2', 2000, 3);
  const c = await publish(out, '6.1.3', 3000, 3);
  const list = await listReleases(out, 'dsas');
  t.deepEqual(
    list.map((r) => [r.id, r.current, r.previous, r.directors[0]?.kernel]),
    [
      [c, true, false, '6.1.3'],
      [b, false, true, '6.1.2'],
      [a, false, false, '6.1.1'],
    ],
  );
  t.is(list[0]?.published, new Date(3000 * 1000).toISOString());
  t.deepEqual(list[0]?.directors[0], {
    hostname: 'lv1',
    kernel: '6.1.3',
    ipvsadm: '1.31',
    keepalived: null,
    specSha256: 'a'.repeat(64),
    lockSha256: 'b'.repeat(64),
  });
  t.deepEqual(await listReleases(tempOut(), 'dsas'), [], 'nothing built: an empty list');
});

test('build keeps 2 releases by default and --keep N more, always the current and the previous one', async (t) => {
  const out = tempOut();
  for (let i = 1; i <= 4; i++) await publish(out, `6.1.${i}`, i * 1000);
  t.is((await listReleases(out, 'dsas')).length, 2);
  const kept = tempOut();
  const ids = [];
  for (let i = 1; i <= 5; i++) ids.push(await publish(kept, `6.1.${i}`, i * 1000, 3));
  t.deepEqual(
    (await listReleases(kept, 'dsas')).map((r) => r.id),
    [ids[4], ids[3], ids[2]],
  );
});

test('rollback: the previous release becomes current and the current one previous; again goes back', async (t) => {
  const out = tempOut();
  const a = await publish(out, '6.1.1', 1000);
  const b = await publish(out, '6.1.2', 2000);
  t.deepEqual(await rollback(out, 'dsas'), { site: 'dsas', from: b, to: a });
  t.is(current(out), `dsas-${a}`);
  t.is(previous(out), `dsas-${b}`);
  await rollback(out, 'dsas');
  t.is(current(out), `dsas-${b}`);
});

test('rollback --to takes an id or a unique prefix; unknown, ambiguous or current ids are refused', async (t) => {
  const out = tempOut();
  const ids = [];
  for (let i = 1; i <= 3; i++) ids.push(await publish(out, `6.1.${i}`, i * 1000, 3));
  const [a = '', , c = ''] = ids;
  t.is((await rollback(out, 'dsas', a.slice(0, 6))).to, a);
  t.is(current(out), `dsas-${a}`);
  t.is(previous(out), `dsas-${c}`);
  const none = await t.throwsAsync(rollback(out, 'dsas', 'zz'), { instanceOf: SpecError });
  t.regex(none?.message ?? '', /--to zz: no release of dsas has that id/);
  await t.throwsAsync(rollback(out, 'dsas', ''), { instanceOf: SpecError });
  await t.throwsAsync(rollback(out, 'dsas', a), { message: /already the current release/ });
  t.is(current(out), `dsas-${a}`, 'nothing changed');
});

test('rollback refuses a release that fails its SHA256SUMS, and a site without a previous release; links stay', async (t) => {
  const out = tempOut();
  const a = await publish(out, '6.1.1', 1000);
  await t.throwsAsync(rollback(out, 'dsas'), { instanceOf: SpecError, message: /no previous release/ });
  const b = await publish(out, '6.1.2', 2000);
  appendFileSync(path.join(out, '.releases', `dsas-${a}`, 'lv1/lv1-kernel'), 'x');
  writeFileSync(path.join(out, '.releases', `dsas-${a}`, 'extra'), 'x');
  const err = await t.throwsAsync(rollback(out, 'dsas'), { instanceOf: BuildError });
  t.regex(err?.message ?? '', /lv1\/lv1-kernel: changed since the build/);
  t.regex(err?.message ?? '', /extra: not in SHA256SUMS/);
  t.is(current(out), `dsas-${b}`);
  t.is(previous(out), `dsas-${a}`);
  t.deepEqual(
    readdirSync(out).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('checkRelease: a whole release has no problems; a missing file or SHA256SUMS is named', async (t) => {
  const out = tempOut();
  const a = await publish(out, '6.1.1', 1000);
  const dir = path.join(out, '.releases', `dsas-${a}`);
  t.deepEqual(await checkRelease(dir), []);
  rmSync(path.join(dir, 'lv1/manifest.json'));
  t.deepEqual(await checkRelease(dir), ['lv1/manifest.json: missing']);
  rmSync(path.join(dir, 'SHA256SUMS'));
  t.deepEqual(await checkRelease(dir), ['SHA256SUMS is missing']);
});
