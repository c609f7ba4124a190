import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bootTest, type BootExpectation } from '../../src/boot-test/index.js';
import { devImageAvailable, makeDevImage, REFERENCE_RULES } from '../_helpers/dev-image.js';
import { integrationTest } from '../_helpers/integration.js';
import { buildReferenceImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';

const NEEDS = ['qemu-system-x86_64', 'cpio', 'gzip'];
const EXPECTED: BootExpectation = {
  mode: 'rules',
  rules: REFERENCE_RULES,
  vips: [{ address: '10.10.31.100', label: 'eth0:100', interface: 'eth0' }],
  services: 1,
  realServers: 2,
  daemons: [],
};
const INTERFACES = [
  { name: 'eth0', mac: '52:54:00:31:00:11' },
  { name: 'eth1', mac: '52:54:00:31:01:11', boot: true },
];
// Generous but bounded: a boot takes 5-25 s under software emulation on a loaded 2-core machine.
const TIMEOUT_MS = 180_000;

function logDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lvs-boot-test-'));
}

// The image passing every check on both boot paths: test/boot-test/command.test.ts, on the built reference image.

integrationTest(
  'boot-test: expecting weight 2 fails with a diff naming the line, and the console log is kept',
  [...NEEDS, ...REFERENCE_NEEDS],
  async (t) => {
    const image = await buildReferenceImage();
    t.teardown(image.remove);
    const { siteRoot, hostname } = image;
    const consoleLog = path.join(logDir(), 'boot-test-direct.log');
    const expected = {
      ...EXPECTED,
      rules: REFERENCE_RULES.replace('192.168.31.102:80 -m -w 1', '192.168.31.102:80 -m -w 2'),
    };
    const result = await bootTest({
      siteRoot,
      hostname,
      expected,
      via: 'direct',
      consoleLog,
      timeoutMs: TIMEOUT_MS,
      interfaces: INTERFACES,
    });
    t.false(result.ok);
    const failed = result.checks.filter((c) => !c.ok);
    t.deepEqual(
      failed.map((c) => c.name),
      ['ipvsadm -Sn'],
    );
    t.regex(failed[0]?.diff ?? '', /^--a -t 10\.10\.31\.100:80 -r 192\.168\.31\.102:80 -m -w 2$/m);
    t.regex(failed[0]?.diff ?? '', /^\+-a -t 10\.10\.31\.100:80 -r 192\.168\.31\.102:80 -m -w 1$/m);
    t.regex(readFileSync(consoleLog, 'utf8'), /lvs-image: ready lv1 mode=rules services=1 realservers=2/);
  },
);

integrationTest('boot-test: an image whose /init fails is reported, not hung on', NEEDS, async (t) => {
  if (!devImageAvailable()) return t.fail('dev image inputs missing');
  // The VIP goes on an interface the guest does not have: /init prints FAILED vips and still gets ready.
  const { siteRoot, hostname } = makeDevImage({
    vips: [{ address: '10.10.31.100', interface: 'eth7', label: 'eth7:100' }],
  });
  const consoleLog = path.join(logDir(), 'boot-test-direct.log');
  const result = await bootTest({
    siteRoot,
    hostname,
    expected: EXPECTED,
    via: 'direct',
    consoleLog,
    timeoutMs: TIMEOUT_MS,
    interfaces: INTERFACES,
  });
  t.deepEqual(
    result.checks.filter((c) => !c.ok).map((c) => c.name),
    ['no FAILED step', 'VIP 10.10.31.100'],
  );
});

test('an image whose command line turns the console shell off is refused before QEMU starts', async (t) => {
  const siteRoot = logDir();
  mkdirSync(path.join(siteRoot, 'lv1'));
  writeFileSync(path.join(siteRoot, 'lv1', 'lv1-cmdline'), 'console=ttyS0,115200 lvs.shell=0\n');
  const consoleLog = path.join(siteRoot, 'console.log');
  await t.throwsAsync(
    bootTest({ siteRoot, hostname: 'lv1', expected: EXPECTED, via: 'direct', consoleLog, timeoutMs: 1000 }),
    { message: /lv1-cmdline: the command line has lvs\.shell=0, so the director offers no console shell/ },
  );
  t.throws(() => readFileSync(consoleLog), { code: 'ENOENT' });
});
