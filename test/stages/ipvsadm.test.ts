import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SpecError } from '../../src/lib/errors.js';
import { IPVSADM_CATALOG, findIpvsadmRelease, listIpvsadmVersions } from '../../src/packages/ipvsadm.js';
import {
  parseProbeOutput,
  planIpvsadmBuild,
  predictVersionLine,
  probeProgram,
} from '../../src/stages/ipvsadm/build-plan.js';
import { parseLddOutput, readElfLinkInfo } from '../../src/stages/ipvsadm/elf.js';
import {
  describeIpvsMismatch,
  documentedKernelIpvsCode,
  ipvsVersionToCode,
  parseIpvsVersionCode,
  parseIpvsadmVersion,
  parseKernelMakefileVersion,
  verifyIpvsadmVersionLine,
} from '../../src/stages/ipvsadm/ipvs-version.js';
import {
  origTarballVersion,
  parseAptPrintUris,
  parseDscSha256,
  planIpvsadmSource,
} from '../../src/stages/ipvsadm/source.js';

const FIXTURES = path.resolve('test/fixtures/ipvsadm');

test('the catalog lists 1.21 … 1.31 with GPL and well-formed or null checksums', (t) => {
  t.deepEqual(listIpvsadmVersions(), [
    '1.21',
    '1.24',
    '1.25',
    '1.26',
    '1.27',
    '1.28',
    '1.29',
    '1.30',
    '1.31',
  ]);
  t.is(IPVSADM_CATALOG.license, 'GPL-2.0-or-later');
  for (const r of IPVSADM_CATALOG.releases) {
    t.true(r.sources.length > 0, r.version);
    for (const s of r.sources) {
      t.true(s.sha256 === null || /^[0-9a-f]{64}$/.test(s.sha256), `${r.version} ${s.file}`);
      t.true(s.urls.every((u) => /^https?:\/\//.test(u)));
    }
  }
});

test('the catalog pins the published checksums of lvs-facts §3c', (t) => {
  const sha = (v: string, file: string) =>
    findIpvsadmRelease(v).sources.find((s) => s.file === file && s.sha256 !== null)?.sha256;
  t.is(
    sha('1.24', 'ipvsadm-1.24.tar.gz'),
    '773cbada48061e3afafaeaa2800d5382b8ff638b2c929293c14a793112a0642a',
  );
  t.is(
    sha('1.31', 'ipvsadm-1.31.tar.xz'),
    '1a0a5e25b5a1226435d2fb76341656f83a710183aebb0d204db39c0ec3bedfdb',
  );
  t.is(
    findIpvsadmRelease('1.31').debian?.sha256,
    '7276bcf214f31051188b2e44f11029e57303f37e54126e517000c1b2123a6d4e',
  );
  t.is(findIpvsadmRelease('1.30').sources[0]?.sha256, null);
});

test('1.24 compiles against the kernel header, 1.25+ against the bundled one', (t) => {
  t.deepEqual(findIpvsadmRelease('1.24').ipvsHeader, {
    from: 'kernel',
    path: 'include/net/ip_vs.h',
    ipvsVersionCode: null,
  });
  for (const v of ['1.25', '1.26', '1.27', '1.28', '1.29', '1.30', '1.31']) {
    t.deepEqual(findIpvsadmRelease(v).ipvsHeader, {
      from: 'bundled',
      path: 'libipvs/ip_vs.h',
      ipvsVersionCode: 0x010201,
    });
  }
  t.is(findIpvsadmRelease('1.24').kernelInterface, 'sockopt');
  t.is(findIpvsadmRelease('1.31').kernelInterface, 'netlink+sockopt');
});

test('an unknown ipvsadm version is a SpecError naming the field and the choices', (t) => {
  const err = t.throws(() => findIpvsadmRelease('1.99'), { instanceOf: SpecError });
  t.regex(err?.message ?? '', /\/ipvsadm\/version: ipvsadm 1\.99 is not in the catalog/);
  t.regex(err?.message ?? '', /1\.24, 1\.25/);
});

const versionLines: [string, ReturnType<typeof parseIpvsadmVersion>][] = [
  [
    'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)',
    { version: '1.31', date: '2019/12/24', optionProcessing: 'popt', ipvsVersionCode: 0x010201 },
  ],
  [
    'ipvsadm v1.24 2005/12/10 (compiled with getopt_long and IPVS v1.2.1)\n',
    { version: '1.24', date: '2005/12/10', optionProcessing: 'getopt_long', ipvsVersionCode: 0x010201 },
  ],
  [
    'ipvsadm v1.21 2004/01/01 (compiled with popt and IPVS v1.0.8)',
    { version: '1.21', date: '2004/01/01', optionProcessing: 'popt', ipvsVersionCode: 0x010008 },
  ],
  ["Can't initialize ipvs: Protocol not available", null],
  ['ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.999)', null],
];
for (const [line, want] of versionLines) {
  test(`parseIpvsadmVersion: ${line.trim()}`, (t) => {
    t.deepEqual(parseIpvsadmVersion(line), want);
  });
}

test('parseIpvsVersionCode reads the define from the 1.31 bundled header and from a 2.4-style one', (t) => {
  t.is(
    parseIpvsVersionCode('/* x */\n#define IP_VS_VERSION_CODE\t0x010201\n#define NVERSION(v) v\n'),
    0x010201,
  );
  t.is(parseIpvsVersionCode('#  define IP_VS_VERSION_CODE 0x010008'), 0x010008);
  t.is(parseIpvsVersionCode('#define IP_VS_VERSION_CODEX 1'), null);
  t.is(ipvsVersionToCode('1.2.1'), 0x010201);
  t.is(ipvsVersionToCode('1.2'), null);
});

test('parseKernelMakefileVersion', (t) => {
  t.is(
    parseKernelMakefileVersion('VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = x\n'),
    '6.1.192',
  );
  t.is(
    parseKernelMakefileVersion('VERSION = 2\nPATCHLEVEL = 6\nSUBLEVEL = 16\nEXTRAVERSION = .27\n'),
    '2.6.16.27',
  );
  t.is(parseKernelMakefileVersion('all:\n'), null);
});

test('documented kernel IPVS codes: 2.6.16 and 6.1 are 1.2.1, 2.6.5 is not pinned', (t) => {
  t.is(documentedKernelIpvsCode('2.6.16.27')?.code, 0x010201);
  t.is(documentedKernelIpvsCode('6.1')?.code, 0x010201);
  t.is(documentedKernelIpvsCode('2.6.5'), null);
});

test('describeIpvsMismatch explains the risk and names the pinned pair; null when equal', (t) => {
  const pair = {
    kernelRelease: '2.4.21',
    kernelCode: 0x010008,
    ipvsadmVersion: '1.31',
    ipvsadmCode: 0x010201,
    ipvsadmCodeFrom: 'libipvs/ip_vs.h',
  };
  const msg = describeIpvsMismatch(pair) ?? '';
  t.regex(
    msg,
    /kernel 2\.4\.21 has IPVS 1\.0\.8, but ipvsadm 1\.31 is compiled against IPVS 1\.2\.1 \(from libipvs\/ip_vs\.h\)/,
  );
  t.regex(msg, /binary structures/);
  t.regex(msg, /Pinned pair: kernel 2\.4\.21 \+ ipvsadm 1\.31/);
  t.is(describeIpvsMismatch({ ...pair, kernelCode: 0x010201 }), null);
});

const CC = (v: string) => `CC=gcc -ffile-prefix-map={srcDir}=/usr/src/ipvsadm-${v}`;

test('planIpvsadmBuild: 1.31 static is make -j1 libs, then ipvsadm with the static LIBS', (t) => {
  const plan = planIpvsadmBuild(findIpvsadmRelease('1.31'), 'static');
  t.deepEqual(plan?.make, [
    ['-j1', 'libs', CC('1.31')],
    ['-j1', 'ipvsadm', CC('1.31'), 'LIBS=-static -lpopt -lnl-genl-3 -lnl-3 -lpthread -lm'],
  ]);
  t.deepEqual(plan?.probeMake, ['-j1', 'lvs-image-ipvs-probe.o', CC('1.31')]);
  t.deepEqual(planIpvsadmBuild(findIpvsadmRelease('1.31'), 'dynamic')?.make[1], [
    '-j1',
    'ipvsadm',
    CC('1.31'),
  ]);
});

test('planIpvsadmBuild: 1.24 needs kernel headers and passes them as INCLUDE', (t) => {
  t.is(planIpvsadmBuild(findIpvsadmRelease('1.24'), 'static'), null);
  const plan = planIpvsadmBuild(findIpvsadmRelease('1.24'), 'static', '/src/linux-2.6.16.27');
  t.deepEqual(plan?.make[0], ['-j1', 'libs', CC('1.24'), 'INCLUDE=-I/src/linux-2.6.16.27/include -I.. -I.']);
  t.true(plan?.probeSource.includes('#include <net/ip_vs.h>'));
});

test('the probe program includes what ipvsadm includes and prints the code', (t) => {
  const c = probeProgram('"libipvs/libipvs.h"');
  t.true(c.includes('#include "libipvs/libipvs.h"'));
  t.true(c.includes('IP_VS_VERSION_CODE=0x%06x'));
  t.is(parseProbeOutput('IP_VS_VERSION_CODE=0x010201\n'), 0x010201);
  t.is(parseProbeOutput('nothing'), null);
});

test('predictVersionLine fills the compiled-in format string with the probe code', (t) => {
  const bin = Buffer.from(
    '\0\x7fELF..\0ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v%d.%d.%d)\n\0more',
    'latin1',
  );
  t.is(predictVersionLine(bin, 0x010201), 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)');
  t.is(predictVersionLine(Buffer.from('no format here'), 0x010201), null);
});

test('readElfLinkInfo: /bin/sh has an interpreter; a non-ELF file is null', (t) => {
  const sh = readElfLinkInfo(readFileSync('/bin/sh'));
  t.regex(sh?.interpreter ?? '', /ld-linux/);
  t.true(sh?.hasDynamic);
  t.is(readElfLinkInfo(Buffer.from('#!/bin/sh\n'.repeat(10))), null);
});

test('parseLddOutput keeps absolute paths and the loader, drops the vDSO', (t) => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibpopt.so.0 => /lib/x86_64-linux-gnu/libpopt.so.0 (0x00007f01)',
    '\tlibnl-genl-3.so.200 => /lib/x86_64-linux-gnu/libnl-genl-3.so.200 (0x00007f02)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f03)',
  ].join('\n');
  t.deepEqual(parseLddOutput(out), [
    '/lib/x86_64-linux-gnu/libnl-genl-3.so.200',
    '/lib/x86_64-linux-gnu/libpopt.so.0',
    '/lib64/ld-linux-x86-64.so.2',
  ]);
});

test('planIpvsadmSource: catalog default, url with mirrors, path relative to the spec, debian', (t) => {
  const r131 = findIpvsadmRelease('1.31');
  t.deepEqual(planIpvsadmSource({ version: '1.31' }, r131), {
    kind: 'url',
    file: 'ipvsadm-1.31.tar.xz',
    urls: ['https://kernel.org/pub/linux/utils/kernel/ipvsadm/ipvsadm-1.31.tar.xz'],
    sha256: '1a0a5e25b5a1226435d2fb76341656f83a710183aebb0d204db39c0ec3bedfdb',
  });
  const url = planIpvsadmSource(
    {
      version: '1.31',
      source: { url: 'http://a/x/ipvsadm-1.31.tar.gz', sha256: 'AB'.repeat(32), mirrors: ['http://b/y.tgz'] },
    },
    r131,
  );
  t.deepEqual(url, {
    kind: 'url',
    file: 'ipvsadm-1.31.tar.gz',
    urls: ['http://a/x/ipvsadm-1.31.tar.gz', 'http://b/y.tgz'],
    sha256: 'ab'.repeat(32),
  });
  t.deepEqual(planIpvsadmSource({ version: '1.31', source: { path: 'src/ipvsadm.tgz' } }, r131, '/specs'), {
    kind: 'path',
    path: '/specs/src/ipvsadm.tgz',
    sha256: null,
  });
  t.deepEqual(planIpvsadmSource({ version: '1.31', source: { debian: 'ipvsadm' } }, r131), {
    kind: 'debian',
    package: 'ipvsadm',
    version: '1.31',
    expectedSha256: '7276bcf214f31051188b2e44f11029e57303f37e54126e517000c1b2123a6d4e',
  });
});

test('planIpvsadmSource: a release without a published sha256 needs a pinned source', (t) => {
  const err = t.throws(() => planIpvsadmSource({ version: '1.30' }, findIpvsadmRelease('1.30')), {
    instanceOf: SpecError,
  });
  t.regex(err?.message ?? '', /\/ipvsadm\/source: the catalog has no published sha256 for ipvsadm 1\.30/);
});

test('apt --print-uris and the .dsc agree on the orig tarball sha256 (fixtures from Debian 12)', (t) => {
  const uris = parseAptPrintUris(readFileSync(path.join(FIXTURES, 'apt-print-uris.txt'), 'utf8'));
  const orig = uris.find((u) => u.file === 'ipvsadm_1.31.orig.tar.gz');
  t.is(orig?.url, 'http://deb.debian.org/debian/pool/main/i/ipvsadm/ipvsadm_1.31.orig.tar.gz');
  t.is(orig?.size, 50389);
  const dsc = parseDscSha256(readFileSync(path.join(FIXTURES, 'ipvsadm_1.31-1.dsc'), 'utf8'));
  t.is(dsc.get('ipvsadm_1.31.orig.tar.gz'), orig?.sha256 ?? 'missing');
  t.is(dsc.get('ipvsadm_1.31.orig.tar.gz'), findIpvsadmRelease('1.31').debian?.sha256);
  t.is(origTarballVersion('ipvsadm_1.31.orig.tar.gz'), '1.31');
});

test("verifyIpvsadmVersionLine compares the guest's real line with the build and the running kernel", (t) => {
  const built = { version: '1.31', ipvsVersionCode: 0x010201 };
  const line = 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n';
  t.deepEqual(verifyIpvsadmVersionLine(line, built, 0x010201), []);
  t.deepEqual(verifyIpvsadmVersionLine(line, { version: '1.24', ipvsVersionCode: 0x010201 }), [
    'ipvsadm says v1.31, the build pinned 1.24',
  ]);
  t.deepEqual(verifyIpvsadmVersionLine(line, built, 0x010008), [
    'ipvsadm is compiled with IPVS v1.2.1 but the running kernel has 1.0.8',
  ]);
  t.regex(
    verifyIpvsadmVersionLine("Can't initialize ipvs: Protocol not available", built)[0] ?? '',
    /^not an "ipvsadm --version" line/,
  );
});
