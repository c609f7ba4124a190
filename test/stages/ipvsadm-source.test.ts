import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { findIpvsadmRelease } from '../../src/packages/ipvsadm.js';
import { provideIpvsadm, readIpvsadmHeader } from '../../src/stages/ipvsadm.js';
import { provideSources, type SourceRequest } from '../../src/stages/sources.js';
import { checkIpvsadmSource } from '../../src/stages/ipvsadm/preflight.js';
import type { Spec } from '../../src/spec/types.js';
import { makeTar } from '../_helpers/tarball.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-ipvsadm-src-'));
process.env.LVS_IMAGE_CACHE = path.join(work, 'cache');
test.after.always(() => rm(work, { recursive: true, force: true }));

const good = gzipSync(
  await makeTar([
    { name: 'ipvsadm-9.9/Makefile', content: 'all:\n' },
    { name: 'ipvsadm-9.9/libipvs/ip_vs.h', content: '#define IP_VS_VERSION_CODE\t0x010201\n' },
  ]),
);
const goodSha = sha256(good);
const tampered = Buffer.concat([good, Buffer.from('x')]);
const requests: string[] = [];

let server: Server;
let base = '';
test.before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = req.url === '/good.tar.gz' ? good : req.url === '/tampered.tar.gz' ? tampered : null;
    if (body === null) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(() => {
  server.close();
});

const logs: string[] = [];
const noRun: StageIo = {
  run: (file, args) => Promise.reject(new Error(`unexpected command ${file} ${args.join(' ')}`)),
  log: (line) => logs.push(line),
};

type Plan =
  | { kind: 'url'; file: string; urls: string[]; sha256: string }
  | { kind: 'path'; path: string; sha256: string | null };

/** A store of its own for a test (the url tests fill the shared one with the good tarball). */
function freshStore(name: string): void {
  process.env.LVS_IMAGE_SOURCES = path.join(work, `store-${name}`);
}

/** The ipvsadm source through the store, as the build's sources step gets it. */
async function fetchIpvsadmSource(plan: Plan, io: StageIo) {
  const req: SourceRequest = {
    name: 'ipvsadm',
    pointer: '/ipvsadm/source',
    sha256: plan.sha256,
    from:
      plan.kind === 'url'
        ? { kind: 'url', file: plan.file, urls: plan.urls }
        : { kind: 'path', path: plan.path },
  };
  const got = (await provideSources([req], io)).ipvsadm;
  if (got === undefined) throw new Error('nothing provided');
  return { ...got, origin: got.origin.kind === 'url' ? got.origin.url : got.path };
}

test.serial(
  'url: falls back to the next mirror, verifies, caches by sha256, then needs no network',
  async (t) => {
    const plan = {
      kind: 'url' as const,
      file: 'ipvsadm-9.9.tar.gz',
      urls: [`${base}/missing.tar.gz`, `${base}/good.tar.gz`],
      sha256: goodSha,
    };
    const first = await fetchIpvsadmSource(plan, noRun);
    t.is(first.sha256, goodSha);
    t.is(first.origin, `${base}/good.tar.gz`);
    t.is(first.path, path.join(work, 'cache', 'sources', goodSha, 'ipvsadm-9.9.tar.gz'));
    const before = requests.length;
    const again = await fetchIpvsadmSource(plan, noRun);
    t.is(again.path, first.path);
    t.is(requests.length, before);
  },
);

test.serial(
  'url: a tampered download is refused with the file and both hashes, and not cached',
  async (t) => {
    const expected = 'ab'.repeat(32);
    const plan = {
      kind: 'url' as const,
      file: 'ipvsadm-8.8.tar.gz',
      urls: [`${base}/tampered.tar.gz`],
      sha256: expected,
    };
    const err = await t.throwsAsync(fetchIpvsadmSource(plan, noRun), { instanceOf: BuildError });
    t.regex(err?.message ?? '', /tampered\.tar\.gz: sha256 mismatch/);
    t.true(err?.message.includes(expected));
    t.true(err?.message.includes(sha256(tampered)));
    t.false(
      existsSync(path.join(work, 'cache', 'sources', expected)) &&
        existsSync(path.join(work, 'cache', 'sources', expected, 'ipvsadm-8.8.tar.gz')),
    );
  },
);

test.serial('path: a tarball whose sha256 differs from the pin is refused before extraction', async (t) => {
  freshStore('path');
  const file = path.join(work, 'local.tar.gz');
  await writeFile(file, tampered);
  const err = await t.throwsAsync(fetchIpvsadmSource({ kind: 'path', path: file, sha256: goodSha }, noRun), {
    instanceOf: BuildError,
  });
  t.true(err?.message.includes(`${file}: sha256 mismatch`));
  t.true(err?.message.includes(goodSha) && err.message.includes(sha256(tampered)));
});

test.serial('path: a folder is hashed as a tree', async (t) => {
  const dir = path.join(work, 'tree');
  await mkdir(path.join(dir, 'libipvs'), { recursive: true });
  await writeFile(path.join(dir, 'libipvs', 'ip_vs.h'), '#define IP_VS_VERSION_CODE 0x010201\n');
  const a = await fetchIpvsadmSource({ kind: 'path', path: dir, sha256: null }, noRun);
  t.true(a.isDirectory);
  await writeFile(path.join(dir, 'libipvs', 'ip_vs.h'), '#define IP_VS_VERSION_CODE 0x010202\n');
  const b = await fetchIpvsadmSource({ kind: 'path', path: dir, sha256: null }, noRun);
  t.not(a.sha256, b.sha256);
});

const spec = (source: { path: string; sha256?: string }) =>
  ({ ipvsadm: { version: '1.31', source } }) as never;

test.serial(
  'provideIpvsadm refuses a kernel whose IPVS version differs from the bundled header, before building',
  async (t) => {
    freshStore('mismatch');
    const file = path.join(work, 'ipvsadm-1.31.tar.gz');
    await writeFile(file, good);
    const kernel = { ipvsVersionCode: 0x010008, release: '2.4.21' };
    const err = await t.throwsAsync(
      provideIpvsadm(spec({ path: file, sha256: goodSha }), kernel, noRun, {
        logFile: path.join(work, 'log'),
      }),
      {
        instanceOf: BuildError,
      },
    );
    t.regex(
      err?.message ?? '',
      /kernel 2\.4\.21 has IPVS 1\.0\.8, but ipvsadm 1\.31 is compiled against IPVS 1\.2\.1/,
    );
    t.regex(err?.message ?? '', /ipvsadm-9\.9\/libipvs\/ip_vs\.h/);
    t.regex(err.hint ?? '', /--allow-ipvs-mismatch/);
    t.false(existsSync(path.join(work, 'cache', 'ipvsadm')));
  },
);

test.serial('provideIpvsadm refuses a tampered tarball before extracting anything', async (t) => {
  freshStore('tampered');
  const file = path.join(work, 'ipvsadm-tampered.tar.gz');
  await writeFile(file, tampered);
  const kernel = { ipvsVersionCode: 0x010201, release: '6.1.192' };
  await t.throwsAsync(
    provideIpvsadm(spec({ path: file, sha256: goodSha }), kernel, noRun, { logFile: path.join(work, 'log') }),
    {
      instanceOf: BuildError,
      message: /sha256 mismatch/,
    },
  );
  t.false(existsSync(path.join(work, 'cache', 'ipvsadm')));
});

test.serial(
  "1.24 reads the kernel's include/net/ip_vs.h (2.6.16 layout) or the uapi header (6.x layout)",
  async (t) => {
    const r124 = findIpvsadmRelease('1.24');
    const src = { path: path.join(work, 'unused.tar.gz'), isDirectory: false, sha256: goodSha, origin: 'x' };
    const old = path.join(work, 'linux-2.6.16.27');
    await mkdir(path.join(old, 'include/net'), { recursive: true });
    await writeFile(path.join(old, 'include/net/ip_vs.h'), '#define IP_VS_VERSION_CODE\t0x010201\n');
    const h = await readIpvsadmHeader(r124, src, old);
    t.is(h.code, 0x010201);
    t.is(h.file, path.join(old, 'include/net/ip_vs.h'));
    const modern = path.join(work, 'linux-6.1');
    await mkdir(path.join(modern, 'include/net'), { recursive: true });
    await mkdir(path.join(modern, 'include/uapi/linux'), { recursive: true });
    await writeFile(path.join(modern, 'include/net/ip_vs.h'), '#include <uapi/linux/ip_vs.h>\n');
    await writeFile(path.join(modern, 'include/uapi/linux/ip_vs.h'), '#define IP_VS_VERSION_CODE 0x010201\n');
    t.is((await readIpvsadmHeader(r124, src, modern)).file, path.join(modern, 'include/uapi/linux/ip_vs.h'));
    await t.throwsAsync(readIpvsadmHeader(r124, src, undefined), {
      instanceOf: BuildError,
      message: /ipvsadm 1\.24 compiles against the kernel's include\/net\/ip_vs\.h/,
    });
  },
);

test.serial(
  'checkIpvsadmSource lists a tampered local tarball and an unpinned release as problems',
  async (t) => {
    const file = path.join(work, 'pre.tar.gz');
    await writeFile(file, tampered);
    const problems = await checkIpvsadmSource(spec({ path: file, sha256: goodSha }));
    t.is(problems.length, 1);
    t.is(problems[0]?.pointer, '/ipvsadm/source/sha256');
    t.true(problems[0]?.message.includes(goodSha) && problems[0].message.includes(sha256(tampered)));
    await writeFile(file, good);
    t.deepEqual(await checkIpvsadmSource(spec({ path: file, sha256: goodSha }) as Spec), []);
    const unpinned = await checkIpvsadmSource({ ipvsadm: { version: '1.30' } } as Spec);
    t.is(unpinned[0]?.pointer, '/ipvsadm/source');
    t.is((await checkIpvsadmSource({ ipvsadm: { version: '0.1' } } as Spec))[0]?.pointer, '/ipvsadm/version');
  },
);
