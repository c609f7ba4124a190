import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { IpvsadmArtifacts, KernelArtifacts } from '../../src/context.js';
import { packInitramfs } from '../../src/stages/initramfs.js';
import { assembleRootfs } from '../../src/stages/rootfs.js';
import { planModules } from '../../src/stages/rootfs/modules.js';
import { integrationTest } from '../_helpers/integration.js';
import { provideTestIpvsadm } from '../_helpers/ipvsadm.js';

const BUSYBOX = '/bin/busybox';
const MODULES = ['ip_vs', 'ip_vs_lc'];

/** A release under /lib/modules with IPVS as modules (Debian's linux-image), if any. */
function hostRelease(): string | undefined {
  const base = '/lib/modules';
  if (!existsSync(base)) return undefined;
  return readdirSync(base)
    .sort()
    .find((r) => /\/ip_vs\.ko/.test(safeRead(path.join(base, r, 'modules.dep'))));
}
function safeRead(f: string): string {
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/** Copies busybox, ipvsadm and the module closure into `dir`, with an mtime that differs per copy. */
async function stageInputs(
  dir: string,
  release: string | undefined,
  mtime: number,
): Promise<{ busybox: string; ipvsadm: string; root?: string }> {
  const busybox = path.join(dir, 'busybox');
  const ipvsadm = path.join(dir, 'ipvsadm');
  await copyFile(BUSYBOX, busybox);
  await copyFile(await provideTestIpvsadm(), ipvsadm);
  await utimes(busybox, mtime, mtime);
  if (release === undefined) return { busybox, ipvsadm };
  const src = path.join('/lib/modules', release);
  const dst = path.join(dir, 'root/lib/modules', release);
  const names = [
    'modules.dep',
    'modules.softdep',
    'modules.alias',
    'modules.builtin',
    'modules.order',
    'modules.builtin.modinfo',
  ];
  await mkdir(dst, { recursive: true });
  for (const n of names)
    if (existsSync(path.join(src, n))) await copyFile(path.join(src, n), path.join(dst, n));
  const plan = planModules(
    MODULES,
    {
      dep: await readFile(path.join(src, 'modules.dep'), 'utf8'),
      softdep: safeRead(path.join(src, 'modules.softdep')),
      alias: safeRead(path.join(src, 'modules.alias')),
    },
    src,
  );
  for (const f of plan.files) {
    await mkdir(path.dirname(path.join(dst, f.source)), { recursive: true });
    await copyFile(path.join(src, f.source), path.join(dst, f.source));
    await utimes(path.join(dst, f.source), mtime, mtime);
  }
  return { busybox, ipvsadm, root: path.join(dir, 'root') };
}

async function build(
  t: ExecutionContext,
  release: string | undefined,
  mtime: number,
  compression: 'gzip' | 'xz',
): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), `rootfs-repro-${mtime}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const inputs = await stageInputs(dir, release, mtime);
  const ipvsadm: IpvsadmArtifacts = {
    version: '1.31',
    binary: inputs.ipvsadm,
    ipvsVersionCode: 0x010201,
    versionLine: 'ipvsadm v1.31',
    libraries: [],
  };
  const kernel: KernelArtifacts = {
    release: release ?? '6.1.0-test',
    image: '/vmlinuz',
    ...(inputs.root !== undefined ? { modulesRoot: inputs.root } : {}),
    config: '/dev/null',
    ipvsVersionCode: 0x010201,
    sourceSha256: '0'.repeat(64),
    origin: 'test',
  };
  const entries = await assembleRootfs({
    hostname: 'lv1',
    rendered: [{ path: '/init', mode: 0o755, content: '#!/bin/sh\nexec sh\n' }],
    ipvsadm,
    kernel,
    busybox: inputs.busybox,
    modules: release !== undefined ? MODULES : [],
  });
  const out = path.join(dir, 'out', 'initrd.img');
  const r = await packInitramfs(entries, { compression, epoch: 1700000000 }, out);
  const bytes = await readFile(out);
  t.is(r.bytes, bytes.length);
  await writeFile(path.join(dir, 'touched'), String(mtime)); // the folders differ in content too
  return bytes;
}

for (const compression of ['gzip', 'xz'] as const) {
  integrationTest(
    `the same rootfs built twice in different folders gives a byte-identical ${compression} initrd`,
    ['busybox', 'ldd', 'xz', 'gcc', 'make'],
    async (t) => {
      const release = hostRelease();
      const a = await build(t, release, 1000000000, compression);
      const b = await build(t, release, 1200000000, compression);
      t.true(a.length > 0);
      t.true(a.equals(b), 'initrd bytes differ between the two builds');
    },
  );
}
