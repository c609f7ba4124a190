/**
 * The real thing: ipvsadm 1.31 from Debian's source tarball, built statically in a fresh cache, matched against
 * the IPVS version read from Debian's 6.1 kernel source tarball. `ipvsadm --version` cannot run on this host
 * (no IPVS in the host kernel), so the version line is predicted from the binary and the probe; the boot test
 * checks the real line inside a guest with parseIpvsadmVersion. That a build in another, empty cache gives the same
 * bytes is proved by .ci/frozen-offline.sh (it rebuilds ipvsadm 1.31, static, from the same Debian source in an
 * empty cache and compares the whole initrd byte for byte with the online build's), so no second build here.
 */
import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { provideIpvsadm } from '../../src/stages/ipvsadm.js';
import { readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import { parseIpvsadmVersion } from '../../src/stages/ipvsadm/ipvs-version.js';
import { readKernelSourceFacts } from '../../src/stages/lock/kernel-facts.js';
import { provideSpecSource } from '../../src/stages/sources.js';
import { integrationTest } from '../_helpers/integration.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-ipvsadm-build-'));
process.env.LVS_IMAGE_CACHE = path.join(work, 'cache');
const logFile = path.join(work, 'build.log');
test.after.always(() => rm(work, { recursive: true, force: true }));
const logs: string[] = [];
const io: StageIo = { run, log: (line) => logs.push(line) };
const spec = (link: 'static' | 'dynamic') =>
  ({ ipvsadm: { version: '1.31', source: { debian: 'ipvsadm' }, link } }) as never;
const NEEDS = ['gcc', 'make', 'apt-get', 'pkg-config', 'strip', 'file', 'xz'];
const KERNEL_TARBALL = '/usr/src/linux-source-6.1.tar.xz';

integrationTest(
  'static ipvsadm 1.31 from Debian source, matched to the 6.1 kernel source (IPVS 1.2.1)',
  NEEDS,
  async (t) => {
    if (!existsSync(KERNEL_TARBALL)) t.fail(`${KERNEL_TARBALL} is missing: apt-get install linux-source-6.1`);
    const source = await provideSpecSource(
      {
        kernel: { version: '6.1', source: { debian: 'linux-source-6.1' } },
        ipvsadm: { version: '1.31' },
      } as never,
      'kernel',
      io,
    );
    const kernel = await readKernelSourceFacts(source!);
    t.is(kernel.ipvsVersionCode, 0x010201);
    t.is(kernel.ipvsVersionFrom, 'include/uapi/linux/ip_vs.h in the kernel source');
    t.regex(kernel.release ?? '', /^6\.1\.\d+$/);

    const built = await provideIpvsadm(
      spec('static'),
      { ipvsVersionCode: 0x010201, release: kernel.release ?? '6.1' },
      io,
      { logFile },
    );
    t.is(built.versionLine, 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)');
    t.deepEqual(parseIpvsadmVersion(built.versionLine), {
      version: '1.31',
      date: '2019/12/24',
      optionProcessing: 'popt',
      ipvsVersionCode: 0x010201,
    });
    t.is(built.ipvsVersionCode, 0x010201);
    t.deepEqual(built.libraries, []);

    const elf = readElfLinkInfo(readFileSync(built.binary));
    t.is(elf?.bits, 64);
    t.is(elf?.interpreter, undefined);
    const described = (await run('file', ['-b', built.binary])).stdout;
    t.regex(described, /statically linked/);
    t.regex(described, /stripped/);
    t.notRegex(described, /not stripped/);
    t.true(statSync(built.binary).size < 2 * 1024 * 1024, `size ${statSync(built.binary).size}`);
    const log = readFileSync(logFile, 'utf8');
    t.regex(log, /^\$ make -j1 libs 'CC=gcc -ffile-prefix-map=\S+=\/usr\/src\/ipvsadm-1\.31'$/m);
    t.regex(log, /^\$ make -j1 ipvsadm '.+' 'LIBS=-static -lpopt -lnl-genl-3 -lnl-3 -lpthread -lm'$/m);
    t.true(logs.some((l) => l.includes('ipvsadm 1.31: ipvsadm v1.31 2019/12/24')));
  },
);

integrationTest(
  'a kernel with another IPVS version is refused; --allow-ipvs-mismatch only warns',
  NEEDS,
  async (t) => {
    const old = { ipvsVersionCode: 0x010008, release: '2.4.21' };
    await t.throwsAsync(provideIpvsadm(spec('static'), old, io, { logFile }), {
      instanceOf: BuildError,
      message: /IPVS version mismatch: kernel 2\.4\.21 has IPVS 1\.0\.8/,
    });
    logs.length = 0;
    const built = await provideIpvsadm(spec('static'), old, io, { logFile, allowIpvsMismatch: true });
    t.is(built.ipvsVersionCode, 0x010201);
    t.is(
      logs.filter((l) => l.startsWith('WARNING (--allow-ipvs-mismatch): IPVS version mismatch')).length,
      2,
    );
    t.true(logs.some((l) => l.endsWith('(cached)')));
  },
);

integrationTest(
  'a dynamic ipvsadm lists the shared libraries the packer must carry',
  [...NEEDS, 'ldd'],
  async (t) => {
    const built = await provideIpvsadm(
      spec('dynamic'),
      { ipvsVersionCode: 0x010201, release: '6.1.192' },
      io,
      { logFile },
    );
    t.regex(readElfLinkInfo(readFileSync(built.binary))?.interpreter ?? '', /ld-linux/);
    t.true(
      built.libraries.some((l) => /\/libpopt\.so/.test(l)),
      built.libraries.join(' '),
    );
    t.true(built.libraries.some((l) => /\/libnl-genl-3\.so/.test(l)));
    t.true(built.libraries.some((l) => /\/libc\.so/.test(l)));
    t.true(built.libraries.every((l) => path.isAbsolute(l) && existsSync(l)));
  },
);
