/**
 * The real thing: keepalived 2.2.7 from Debian's source package (pinned by the catalog's sha256), built
 * statically through the one program build, `keepalived -v` read back; a second cache gets the same bytes.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { sha256 } from '../../src/lib/fs.js';
import {
  findKeepalivedRelease,
  KEEPALIVED,
  parseConfigOptions,
  planKeepalivedBuild,
} from '../../src/packages/keepalived.js';
import { readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import { provideProgram } from '../../src/stages/program/provide.js';
import { sourceStoreDir } from '../../src/stages/sources.js';
import { integrationTest } from '../_helpers/integration.js';

// The first build goes to the machine's cache (built once per machine, as a user's build would be); the
// second to a cache of its own, to compare the bytes.
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
  'keepalived 2.2.7 static from Debian source: LVS and VRRP in, reproducible across caches',
  NEEDS,
  async (t) => {
    const pin = { version: '2.2.7' };
    const first = await provideProgram(KEEPALIVED, pin, io, { logFile });
    t.regex(first.versionText, /^Keepalived v2\.2\.7 /);
    for (const f of ['LVS', 'VRRP']) t.true(first.configOptions.includes(f), f);
    for (const f of ['LIBNL3', 'LIBIPVS_NETLINK'])
      t.true(parseConfigOptions(first.versionText, 'System options').includes(f), f);
    t.is(first.sourceSha256, 'c61940d874154a560a54627ecf7ef47adebdf832164368d10bf242a4d9b7d49d');
    t.deepEqual(first.libraries, []);
    t.is(
      readElfLinkInfo(readFileSync(first.binaries.keepalived ?? ''))?.interpreter,
      undefined,
      'static: no program interpreter',
    );
    t.notRegex(first.versionText, /lvs-keepalived-build-|\/tmp\//, 'no scratch path in the binary');

    // A second, empty build cache (the source store stays where it was): the same bytes.
    const [machineCache, machineSources] = [process.env.LVS_IMAGE_CACHE, process.env.LVS_IMAGE_SOURCES];
    process.env.LVS_IMAGE_SOURCES = sourceStoreDir();
    process.env.LVS_IMAGE_CACHE = path.join(work, 'cache-2');
    try {
      const second = await provideProgram(KEEPALIVED, pin, io, { logFile });
      t.false(second.cacheHit);
      t.not(second.binaries.keepalived ?? '', first.binaries.keepalived ?? '');
      t.is(
        sha256(readFileSync(second.binaries.keepalived ?? '')),
        sha256(readFileSync(first.binaries.keepalived ?? '')),
      );
    } finally {
      if (machineCache === undefined) delete process.env.LVS_IMAGE_CACHE;
      else process.env.LVS_IMAGE_CACHE = machineCache;
      if (machineSources === undefined) delete process.env.LVS_IMAGE_SOURCES;
      else process.env.LVS_IMAGE_SOURCES = machineSources;
    }
    await t.throwsAsync(
      provideProgram(
        KEEPALIVED,
        { version: '2.2.7', source: { path: logFile, sha256: '0'.repeat(64) } },
        io,
        {
          logFile,
        },
      ),
      {
        instanceOf: BuildError,
        message: /sha256 mismatch: expected 0{64}/,
      },
    );
  },
);
