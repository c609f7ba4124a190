/**
 * The real thing: keepalived 2.2.7 from Debian's source package (pinned by the catalog's sha256), built
 * statically through the one program build, `keepalived -v` read back. That a build in another, empty cache gives
 * the same bytes is proved by .ci/frozen-offline.sh, which rebuilds keepalived 2.2.7 (static, from the same Debian
 * source) in an empty cache and compares the whole initrd byte for byte with the online build's; a second build
 * here cost 75-100 s of the CI test phase for the same proof.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import {
  findKeepalivedRelease,
  KEEPALIVED,
  parseConfigOptions,
  planKeepalivedBuild,
} from '../../src/packages/keepalived.js';
import { readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import { provideProgram } from '../../src/stages/program/provide.js';
import { integrationTest } from '../_helpers/integration.js';

// The build goes to the machine's cache (built once per machine, as a user's build would be).
const work = await mkdtemp(path.join(tmpdir(), 'lvs-keepalived-build-'));
test.after.always(() => rm(work, { recursive: true, force: true }));
const logFile = path.join(work, 'build.log');
const io: StageIo = { run, log: () => undefined };
const NEEDS = ['gcc', 'make', 'apt-get', 'strip'];

test('the plan: minimal configure, static LDFLAGS as an argument, the prefix map only given to make', (t) => {
  const plan = planKeepalivedBuild(findKeepalivedRelease('2.2.7'), 'static');
  const configure = plan.commands[0];
  t.is(configure?.file, './configure');
  t.true(configure?.args.includes('--disable-snmp'));
  t.true(configure?.args.includes('LDFLAGS=-static'));
  t.false(configure?.args.includes('--disable-libnl'), 'IPVS through netlink: fwmark and IPv6 services');
  t.true(plan.commands[1]?.args.includes('KA_LIBS=-lnl-genl-3 -lnl-3 -lssl -lcrypto -lm -ldl -lpthread'));
  t.false(
    configure?.args.some((a) => a.includes('{srcDir}')) ?? true,
    'no scratch path in `configure options`',
  );
  t.true(
    plan.commands[1]?.args.includes('CFLAGS=-g -O2 -ffile-prefix-map={srcDir}=/usr/src/keepalived-2.2.7'),
  );
  t.deepEqual(plan.binaries, [{ dest: 'keepalived', from: 'bin/keepalived' }]);
  t.false(
    planKeepalivedBuild(findKeepalivedRelease('2.2.7'), 'dynamic').commands[0]?.args.includes(
      'LDFLAGS=-static',
    ),
  );
});

test('parseConfigOptions reads the words after "Config options:"', (t) => {
  t.deepEqual(parseConfigOptions('Keepalived v2.2.7\n\nConfig options:  LVS VRRP VRRP_AUTH\n'), [
    'LVS',
    'VRRP',
    'VRRP_AUTH',
  ]);
  t.deepEqual(parseConfigOptions('nothing'), []);
  const v = 'Config options:  LVS VRRP\n\nSystem options:  VSYSLOG LIBNL3 LIBIPVS_NETLINK\n';
  t.deepEqual(parseConfigOptions(v, 'System options'), ['VSYSLOG', 'LIBNL3', 'LIBIPVS_NETLINK']);
});

test('a version the catalog lacks is a spec error naming the field', (t) => {
  t.throws(() => findKeepalivedRelease('9.9'), {
    message: /\/keepalived\/version: keepalived 9\.9 is not in the catalog/,
  });
});

integrationTest(
  'keepalived 2.2.7 static from Debian source: LVS and VRRP in, no scratch path; a wrong sha256 is refused',
  NEEDS,
  async (t) => {
    const pin = { version: '2.2.7' };
    const built = await provideProgram(KEEPALIVED, pin, io, { logFile });
    t.regex(built.versionText, /^Keepalived v2\.2\.7 /);
    for (const f of ['LVS', 'VRRP']) t.true(built.configOptions.includes(f), f);
    for (const f of ['LIBNL3', 'LIBIPVS_NETLINK'])
      t.true(parseConfigOptions(built.versionText, 'System options').includes(f), f);
    t.is(built.sourceSha256, 'c61940d874154a560a54627ecf7ef47adebdf832164368d10bf242a4d9b7d49d');
    t.deepEqual(built.libraries, []);
    t.is(
      readElfLinkInfo(readFileSync(built.binaries.keepalived ?? ''))?.interpreter,
      undefined,
      'static: no program interpreter',
    );
    t.notRegex(built.versionText, /lvs-keepalived-build-|\/tmp\//, 'no scratch path in the binary');

    // A source file whose bytes are not the pinned ones.
    const wrong = path.join(work, 'not-keepalived.tar.gz');
    writeFileSync(wrong, 'not keepalived\n');
    await t.throwsAsync(
      provideProgram(KEEPALIVED, { version: '2.2.7', source: { path: wrong, sha256: '0'.repeat(64) } }, io, {
        logFile,
      }),
      {
        instanceOf: BuildError,
        message: /sha256 mismatch: expected 0{64}/,
      },
    );
  },
);
