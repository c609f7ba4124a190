/**
 * provideKernel with a fake `make`/`gcc` (a fake io.run; tar is real): the steps, the build cache, module
 * installs and error reporting, without compiling a kernel. The cache goes to a temporary LVS_IMAGE_CACHE.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StageIo } from '../../src/context.js';
import { BuildError, CommandError } from '../../src/lib/errors.js';
import { run, type Run } from '../../src/lib/exec.js';
import { parseKconfig, serializeKconfig } from '../../src/lib/kconfig.js';
import { provideKernel } from '../../src/stages/kernel.js';
import { provideSpecSource } from '../../src/stages/sources.js';
import type { Spec } from '../../src/spec/types.js';
import { makeSpec } from '../_helpers/make-spec.js';

const root = mkdtempSync(path.join(tmpdir(), 'kernel-fake-'));
process.env.LVS_IMAGE_CACHE = path.join(root, 'cache');

/** A kernel "tarball": a Makefile with the version and the uapi ip_vs.h. */
function makeTarball(sublevel: string): string {
  const tree = path.join(root, `src-${sublevel}`, `linux-6.1.${sublevel}`);
  mkdirSync(path.join(tree, 'include/uapi/linux'), { recursive: true });
  writeFileSync(
    path.join(tree, 'Makefile'),
    `VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = ${sublevel}\nEXTRAVERSION =\n`,
  );
  writeFileSync(path.join(tree, 'include/uapi/linux/ip_vs.h'), '#define IP_VS_VERSION_CODE 0x010201\n');
  writeFileSync(path.join(tree, 'Kconfig'), 'config IP_VS_IPV6\n\tbool "IPv6"\n\tdepends on IPV6\n');
  const tarball = path.join(root, `linux-6.1.${sublevel}.tar`);
  return tarball;
}

interface FakeMake {
  calls: string[];
  /** Symbols olddefconfig drops. */
  drop: string[];
  failBuild: boolean;
}

function fakeRun(fake: FakeMake): Run {
  return async (file, args, opts) => {
    if (file === 'tar') return run(file, args, opts);
    if (file === 'gcc') return { stdout: 'gcc (Fake) 12.2.0\n', stderr: '', exitCode: 0 };
    const argv = file === 'nice' ? args.slice(3) : args;
    const obj = argv.find((a) => a.startsWith('O='))!.slice(2);
    const targets = argv.filter((a) => !a.startsWith('-') && !a.includes('=') && !a.startsWith('/'));
    fake.calls.push(targets.join(' '));
    const config = path.join(obj, '.config');
    for (const target of targets) {
      if (target === 'tinyconfig')
        writeFileSync(config, '# CONFIG_IP_VS is not set\nCONFIG_LOCALVERSION=""\n');
      if (target === 'olddefconfig') {
        const v = parseKconfig(readFileSync(config, 'utf8'));
        for (const s of fake.drop) v.set(s, 'n');
        writeFileSync(config, serializeKconfig(v));
      }
      if (target === 'bzImage') {
        if (fake.failBuild) {
          throw new CommandError({
            command: `make ${argv.join(' ')}`,
            exitCode: 2,
            stderrTail: 'error: boom',
            ...(opts?.logFile ? { logFile: opts.logFile } : {}),
          });
        }
        mkdirSync(path.join(obj, 'arch/x86/boot'), { recursive: true });
        writeFileSync(path.join(obj, 'arch/x86/boot/bzImage'), 'bzImage');
        writeFileSync(path.join(obj, 'System.map'), '');
        writeFileSync(path.join(obj, 'modules.builtin.modinfo'), 'e1000e.license=GPL v2\0');
      }
      if (target === 'kernelrelease') return { stdout: '6.1.99\n', stderr: '', exitCode: 0 };
      if (target === 'modules_install') {
        const modPath = argv.find((a) => a.startsWith('INSTALL_MOD_PATH='))!.split('=')[1]!;
        mkdirSync(path.join(modPath, 'lib/modules/6.1.99/kernel'), { recursive: true });
        writeFileSync(path.join(modPath, 'lib/modules/6.1.99/modules.dep'), '');
      }
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  };
}

test.before(async () => {
  const tarball = makeTarball('99');
  await run('tar', [
    '-cf',
    tarball,
    '-C',
    path.dirname(path.dirname(path.join(root, 'src-99', 'linux-6.1.99', 'x'))),
    'linux-6.1.99',
  ]);
});

/** The make targets of a kernel with modules (every 6.1 site kernel: its NIC drivers are modules). */
const MODULE_BUILD = ['tinyconfig', 'olddefconfig', 'bzImage modules', 'kernelrelease', 'modules_install'];

function specFor(over: Parameters<typeof makeSpec>[0] = {}): Spec {
  const spec = makeSpec({ ...over, kernel: { ...over.kernel, source: undefined } });
  spec.kernel.source = { path: path.join(root, 'linux-6.1.99.tar') };
  return spec;
}

test.serial('builds once, reports the steps, and reuses the cache', async (t) => {
  const fake: FakeMake = { calls: [], drop: [], failBuild: false };
  const logs: string[] = [];
  const steps: string[] = [];
  const io: StageIo = { run: fakeRun(fake), log: (l) => logs.push(l) };
  const logFile = path.join(root, 'build.log');
  const k = await provideKernel(specFor(), io, { logFile, onStep: (s) => steps.push(s) });
  t.deepEqual(
    steps.filter((s) => !s.endsWith('…')).map((s) => s.split(' ')[0]),
    // The site kernel keeps its NIC drivers as modules (hardware/nics.json), so it installs them.
    ['extract', 'olddefconfig', 'verify', 'build', 'modules_install'],
  );
  t.true(
    steps.every((s) => /…$| \d+\.\d s$/.test(s)),
    steps.join(', '),
  );
  t.deepEqual(fake.calls, MODULE_BUILD);
  t.is(k.release, '6.1.99');
  t.is(readFileSync(k.image, 'utf8'), 'bzImage');
  t.is(parseKconfig(readFileSync(k.config, 'utf8')).get('IP_VS'), 'y');
  t.is(k.ipvsVersionCode, 0x010201);
  t.true(existsSync(path.join(k.modulesRoot!, 'lib/modules/6.1.99/modules.dep')));
  // modules.builtin.modinfo is kept: the firmware the built-in drivers declare is read from it.
  t.true(existsSync(k.builtinModinfo!));
  t.true(existsSync(path.join(k.headersDir!, 'include/uapi/linux/ip_vs.h')));
  t.true(logs.some((l) => l.includes('built into')));
  fake.calls.length = 0;
  const again = await provideKernel(specFor(), io, { logFile });
  t.deepEqual(again, k);
  t.deepEqual(fake.calls, [], 'no make at all on the second run');
  t.true(logs.some((l) => l.includes('cached build')));
});

test.serial('module mode installs stripped modules and hands over the modules root', async (t) => {
  const fake: FakeMake = { calls: [], drop: [], failBuild: false };
  const k = await provideKernel(
    specFor({ kernel: { options: 'module' } }),
    { run: fakeRun(fake), log: () => undefined },
    { logFile: path.join(root, 'm.log') },
  );
  t.deepEqual(fake.calls, MODULE_BUILD);
  t.true(existsSync(path.join(k.modulesRoot!, 'lib/modules/6.1.99/modules.dep')));
});

test.serial('a dropped option fails the build naming it, and a failed make names the log', async (t) => {
  const dropping: FakeMake = { calls: [], drop: ['IP_VS_LC'], failBuild: false };
  const spec = specFor({ kernel: { profile: 'minimal' } });
  const err = await t.throwsAsync(
    provideKernel(
      spec,
      { run: fakeRun(dropping), log: () => undefined },
      { logFile: path.join(root, 'd.log') },
    ),
    { instanceOf: BuildError },
  );
  t.regex(
    err.message,
    /CONFIG_IP_VS_LC: requested y, final n \(no Kconfig in this tree defines it\)/,
    err.hint,
  );
  t.is(err.logFile, path.join(root, 'd.log'));
  const failing: FakeMake = { calls: [], drop: [], failBuild: true };
  const logFile = path.join(root, 'f.log');
  const err2 = await t.throwsAsync(
    provideKernel(
      specFor({ kernel: { extraConfig: ['CONFIG_IKCONFIG=y'] } }),
      { run: fakeRun(failing), log: () => undefined },
      { logFile },
    ),
    { instanceOf: CommandError },
  );
  t.is(err2.logFile, logFile);
});

test.serial('a tree whose version differs from kernel.version is refused', async (t) => {
  const err = await t.throwsAsync(
    provideKernel(
      specFor({ kernel: { version: '6.2', profile: 'minimal' } }),
      { run: fakeRun({ calls: [], drop: [], failBuild: false }), log: () => undefined },
      { logFile: path.join(root, 'v.log') },
    ),
    { instanceOf: BuildError },
  );
  t.regex(err.message, /is version 6\.1\.99, but kernel\.version is 6\.2/);
});

test.serial('a url source is downloaded once into the cache and its sha256 checked', async (t) => {
  const tarball = path.join(root, 'linux-6.1.99.tar');
  const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const io: StageIo = { run, log: () => undefined };
  const specWith = (sha256: string) =>
    ({
      kernel: { version: '6.1', source: { url: pathToFileURL(tarball).href, sha256 } },
      ipvsadm: { version: '1.31' },
    }) as never;
  const src = await provideSpecSource(specWith(sha), 'kernel', io);
  t.is(src?.sha256, sha);
  t.not(src?.path, tarball, 'served from the store');
  t.is(readFileSync(src?.path ?? '').length, readFileSync(tarball).length);
  const wrong = '0'.repeat(64);
  const err = await t.throwsAsync(provideSpecSource(specWith(wrong), 'kernel', io), {
    instanceOf: BuildError,
  });
  t.regex(err.message, new RegExp(`sha256 mismatch: expected ${wrong}, got ${sha}`));
});
