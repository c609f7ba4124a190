/**
 * The real thing: dropbear 2022.83 from Debian's source package (pinned by the catalog's sha256), built statically
 * with password logins compiled out; then host keys made by the built dropbearkey, once, and reused.
 */
import test from 'ava';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { DROPBEAR, findDropbearRelease, planDropbearBuild } from '../../src/packages/dropbear.js';
import { provideProgram } from '../../src/stages/program/provide.js';
import { readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import { ensureHostKeys, parseDropbearkeyOutput, secretsDirFor } from '../../src/stages/dropbear.js';
import { integrationTest } from '../_helpers/integration.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-dropbear-build-'));
test.after.always(() => rm(work, { recursive: true, force: true }));
const logFile = path.join(work, 'build.log');
const io: StageIo = { run, log: () => undefined };

test('the plan: localoptions.h first (no password logins, no forwarding, no chacha20), then a static configure', (t) => {
  const plan = planDropbearBuild(findDropbearRelease('2022.83'), 'static');
  const [options, configure, make] = plan.commands;
  t.is(options?.file, 'sh');
  for (const line of [
    '#define DROPBEAR_SVR_PASSWORD_AUTH 0',
    '#define DROPBEAR_SVR_LOCALTCPFWD 0',
    '#define DROPBEAR_SVR_REMOTETCPFWD 0',
    '#define DROPBEAR_CHACHA20POLY1305 0',
  ])
    t.true(options?.args.includes(line), line);
  t.is(configure?.file, './configure');
  t.true(configure?.args.includes('--enable-static'));
  t.true(configure?.args.includes('--enable-bundled-libtom'));
  t.true(make?.args.includes('PROGRAMS=dropbear dropbearkey'));
  t.false(
    planDropbearBuild(findDropbearRelease('2022.83'), 'dynamic').commands[1]?.args.includes(
      '--enable-static',
    ),
  );
  t.true(
    plan.keyInputs.includes('#define DROPBEAR_SVR_PASSWORD_AUTH 0'),
    'the options are part of the cache key',
  );
});

test('parseDropbearkeyOutput reads the public line and the fingerprint', (t) => {
  const out =
    'Public key portion is:\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJXo root@vm\nFingerprint: SHA256:T9EDmkQJpM68\n';
  t.deepEqual(parseDropbearkeyOutput(out), {
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJXo',
    fingerprint: 'SHA256:T9EDmkQJpM68',
  });
  t.is(parseDropbearkeyOutput('Error: no key'), null);
});

test('the secrets folder sits beside the spec, per site', (t) => {
  t.is(secretsDirFor('/srv/lvs/images/site.yaml', 'dsas'), '/srv/lvs/images/secrets/dsas');
});

test('a version the catalog lacks is a spec error naming the field', (t) => {
  t.throws(() => findDropbearRelease('2019.78'), {
    message: /\/dropbear\/version: dropbear 2019\.78 is not in the catalog/,
  });
});

integrationTest(
  'dropbear 2022.83 static from Debian source; host keys made once, kept private, reused; a broken key is an error',
  ['gcc', 'make', 'apt-get', 'strip'],
  async (t) => {
    const dropbear = await provideProgram(DROPBEAR, { version: '2022.83' }, io, { logFile });
    t.is(dropbear.versionLine, 'Dropbear v2022.83');
    t.is(dropbear.sourceSha256, 'bc5a121ffbc94b5171ad5ebe01be42746d50aa797c9549a4639894a16749443b');
    t.deepEqual(dropbear.libraries, []);
    t.is(readElfLinkInfo(readFileSync(dropbear.binaries.dropbear ?? ''))?.interpreter, undefined, 'static');
    // Password logins are compiled out: the switches that turn them off do not even exist.
    const usage = await run(dropbear.binaries.dropbear ?? '', ['-s'], { reject: false, timeoutMs: 10_000 });
    t.regex(usage.stderr, /Invalid option -s/);

    const dir = path.join(work, 'images/secrets/site');
    const made = await ensureHostKeys({ dropbear, dir, hostnames: ['lv1', 'lv2'], io });
    t.deepEqual(
      made.map((k) => k.made),
      [true, true],
    );
    t.is(readFileSync(path.join(work, 'images/secrets/.gitignore'), 'utf8').split('\n').at(-2), '*');
    for (const k of made) {
      t.regex(k.publicKey, /^ssh-ed25519 AAAA\S+$/);
      t.regex(k.fingerprint, /^SHA256:/);
      t.is(statSync(k.file).mode & 0o777, 0o600, 'dropbearkey writes the private key 0600');
    }
    t.not(made[0]?.publicKey, made[1]?.publicKey, 'one key per director');
    // ssh-keygen agrees on the fingerprint of the public half.
    const pub = path.join(work, 'lv1.pub');
    writeFileSync(pub, `${made[0]?.publicKey ?? ''}\n`);
    t.true((await run('ssh-keygen', ['-l', '-f', pub])).stdout.includes(` ${made[0]?.fingerprint ?? 'x'} `));

    const again = await ensureHostKeys({ dropbear, dir, hostnames: ['lv1', 'lv2'], io });
    t.deepEqual(
      again.map((k) => [k.made, k.publicKey]),
      made.map((k) => [false, k.publicKey]),
      'the second build reuses the keys',
    );
    t.false(existsSync(`${made[0]?.file ?? ''}.new-${process.pid}`));

    writeFileSync(made[1]?.file ?? '', 'not a key');
    await t.throwsAsync(ensureHostKeys({ dropbear, dir, hostnames: ['lv2'], io }), {
      instanceOf: BuildError,
      message: /dropbear_ed25519_host_key: not a dropbear host key/,
    });
  },
);
