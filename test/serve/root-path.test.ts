import test from 'ava';
import { realpath } from 'node:fs/promises';
import { cleanRequestName, resolveInRoot } from '../../src/serve/root-path.js';
import { makeServeRoot } from '../_helpers/serve-root.js';

const clean: [string, string | null][] = [
  ['pxelinux.0', 'pxelinux.0'],
  ['/pxelinux.0', 'pxelinux.0'],
  ['//a//b/', 'a/b'],
  ['./a/./b', 'a/b'],
  ['pxelinux.cfg\\default', 'pxelinux.cfg/default'],
  ['../etc/passwd', null],
  ['a/../../x', null],
  ['a/..', null],
  ['..\\..\\x', null],
  ['/', null],
  ['', null],
];
for (const [name, want] of clean) {
  test(`cleanRequestName(${JSON.stringify(name)})`, (t) => {
    const r = cleanRequestName(name);
    t.is(r.ok ? r.relative : null, want);
    if (!r.ok) t.is(r.refusal.kind, 'forbidden');
  });
}

test('resolveInRoot serves files and in-root symlinks, refuses symlinks out and folders', async (t) => {
  const r = await makeServeRoot(1024);
  t.teardown(() => r.remove());
  const root = await realpath(r.root);
  const kind = async (name: string): Promise<string> => {
    const got = await resolveInRoot(root, name);
    return got.ok ? `ok ${got.file.size}` : got.refusal.kind;
  };
  t.is(await kind('small.bin'), 'ok 100000');
  t.is(await kind('/pxelinux.cfg/01-52-54-00-12-34-56'), 'ok 15');
  t.is(await kind('inside-link'), 'ok 100000');
  t.is(await kind('secret-link'), 'forbidden');
  t.is(await kind('escape/secret.txt'), 'forbidden');
  t.is(await kind('../outside/secret.txt'), 'forbidden');
  t.is(await kind('pxelinux.cfg'), 'not-found');
  t.is(await kind('nope'), 'not-found');
  t.is(await kind('%2e%2e/outside/secret.txt'), 'not-found');
  t.is(await kind(`${r.outside}/secret.txt`), 'not-found');
});
