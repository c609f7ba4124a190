import test from 'ava';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError } from '../../src/lib/errors.js';
import { makeSiteStaging, publishRelease } from '../../src/stages/publish.js';

async function publishWith(out: string, files: Record<string, string>) {
  const root = await makeSiteStaging(out);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return publishRelease(root, out, 'dsas');
}

function tempOut(): string {
  return mkdtempSync(path.join(tmpdir(), 'lvs-publish-'));
}

test('publishes a release behind an out/<site> symlink with a valid SHA256SUMS', async (t) => {
  const out = tempOut();
  const r = await publishWith(out, { 'lv1/lv1-kernel': 'k', 'lv1.ipxe': '#!ipxe\n' });
  t.is(readlinkSync(path.join(out, 'dsas')), `.releases/${path.basename(r.release)}`);
  t.is(r.previous, undefined);
  t.is(readFileSync(path.join(out, 'dsas/lv1.ipxe'), 'utf8'), '#!ipxe\n');
  const check = spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], {
    cwd: path.join(out, 'dsas'),
    encoding: 'utf8',
  });
  t.is(check.status, 0, check.stdout + check.stderr);
  t.is(readFileSync(path.join(out, 'dsas/SHA256SUMS'), 'utf8').split('\n').length, 3);
  t.deepEqual(
    readdirSync(out).filter((n) => n.startsWith('.staging-')),
    [],
    'staging removed',
  );
});

test('keeps the previous release for rollback and prunes older ones', async (t) => {
  const out = tempOut();
  const a = await publishWith(out, { f: 'a' });
  const b = await publishWith(out, { f: 'b' });
  t.is(b.previous, a.release);
  t.is(readlinkSync(path.join(out, '.releases/dsas.previous')), path.basename(a.release));
  t.is(readFileSync(path.join(out, 'dsas/f'), 'utf8'), 'b');
  const c = await publishWith(out, { f: 'c' });
  t.is(c.previous, b.release);
  t.false(existsSync(a.release), 'the release before the previous one is pruned');
  t.true(existsSync(b.release));
  t.is(readFileSync(path.join(out, '.releases/dsas.previous/f'), 'utf8'), 'b');
});

test('republishing identical content reuses the release and keeps the rollback', async (t) => {
  const out = tempOut();
  const a = await publishWith(out, { f: 'a' });
  const b = await publishWith(out, { f: 'b' });
  const again = await publishWith(out, { f: 'b' });
  t.is(again.release, b.release);
  t.is(again.contentHash, b.contentHash);
  t.is(readlinkSync(path.join(out, '.releases/dsas.previous')), path.basename(a.release));
});

test('another site with a prefix-sharing name is never pruned', async (t) => {
  const out = tempOut();
  const root = await makeSiteStaging(out);
  writeFileSync(path.join(root, 'x'), 'lab');
  const lab = await publishRelease(root, out, 'dsas-lab');
  for (const f of ['a', 'b', 'c']) await publishWith(out, { f });
  t.true(existsSync(lab.release));
});

test('refuses to replace an out/<site> that is a real folder', async (t) => {
  const out = tempOut();
  mkdirSync(path.join(out, 'dsas'));
  const err = await t.throwsAsync(publishWith(out, { f: 'a' }));
  t.true(err instanceof BuildError);
  t.regex(err?.message ?? '', /not a symlink/);
});

test('staging folders of killed builds are removed, live ones kept', async (t) => {
  const out = tempOut();
  const dead = spawnSync('true').pid;
  mkdirSync(path.join(out, '.staging-dead'));
  writeFileSync(path.join(out, '.staging-dead/pid'), String(dead));
  mkdirSync(path.join(out, '.staging-live'));
  writeFileSync(path.join(out, '.staging-live/pid'), String(process.pid));
  await makeSiteStaging(out);
  t.false(existsSync(path.join(out, '.staging-dead')));
  t.true(existsSync(path.join(out, '.staging-live')));
});
