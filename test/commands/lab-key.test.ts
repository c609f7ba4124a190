/** `lab --ssh-key`: the key is checked against access.ssh.authorizedKeys before any lab starts. */
import { chmod, copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { labSshKey } from '../../src/commands/lab.js';
import { run } from '../../src/lib/exec.js';
import { loadSpec } from '../../src/spec/load.js';
import { LAB_KEY } from '../../src/stages/dropbear.js';
import { integrationTest } from '../_helpers/integration.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-lab-key-'));
test.after.always(() => rm(work, { recursive: true, force: true }));

integrationTest(
  'the lab key as a git checkout leaves it (mode 0644) is accepted, and left as it was',
  ['ssh-keygen'],
  async (t) => {
    const { spec } = await loadSpec('images/checked-example.yaml');
    const key = path.join(work, 'lab-operator');
    await copyFile(LAB_KEY, key);
    await chmod(key, 0o644);
    t.is(await labSshKey(spec, key), key);
    t.is((await stat(key)).mode & 0o777, 0o644);
  },
);

integrationTest(
  'a key the spec does not list, or a file that is no key: a clear error',
  ['ssh-keygen'],
  async (t) => {
    const { spec } = await loadSpec('images/checked-example.yaml');
    const other = path.join(work, 'other');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    await t.throwsAsync(labSshKey(spec, other), {
      message: /its public half is not in access\.ssh\.authorizedKeys/,
    });
    const junk = path.join(work, 'junk');
    await writeFile(junk, 'not a key\n');
    await t.throwsAsync(labSshKey(spec, junk), { message: /not a private key ssh-keygen can read/ });
    await t.throwsAsync(labSshKey(spec, path.join(work, 'absent')), { message: /cannot read it/ });
  },
);
