import test from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveDirector } from '../../src/director/resolve.js';
import { PROGRAMS, type ProgramName } from '../../src/packages/programs.js';
import { directorFiles } from '../../src/layout.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import type { BuildPlan, DirectorPlan } from '../../src/plan.js';
import { BOOT_LOADERS, emitPxeFiles, loadPxeTemplates, type PxeFile } from '../../src/stages/pxe.js';
import { ROOT } from '../_helpers/cli.js';
import { makeSpec } from '../_helpers/make-spec.js';

const GOLDEN = path.join(ROOT, 'test/fixtures/golden/pxe');

/** The reference director's model under another name (emitPxeFiles reads only names, MACs and outputs). */
const MODEL = (() => {
  const spec = applyDefaults(makeSpec());
  return resolveDirector(spec, spec.directors[0]!);
})();

function director(hostname: string, macs: string[]): DirectorPlan {
  return {
    hostname,
    model: { ...MODEL, hostname },
    macs,
    files: [],
    mode: 'rules',
    modules: ['ip_vs', 'ip_vs_lc'],
    coldplug: [],
    extraBinaries: [],
    outputs: directorFiles(hostname),
    cmdline: 'console=ttyS0,115200 panic=10',
    services: 1,
    realServers: 2,
  };
}

function plan(directors: DirectorPlan[]): BuildPlan {
  return {
    site: 'dsas',
    kernel: { version: '6.1', profile: 'full', options: 'module', provider: 'source' },
    ipvsadm: { version: '1.31', link: 'static' },
    // No director runs a program of the table (src/packages/programs.ts).
    ...(Object.fromEntries(PROGRAMS.map((p) => [p.name, null])) as Record<ProgramName, null>),
    image: { compression: 'gzip', epoch: 0 },
    directors,
    pxe: [],
  };
}

const PLANS: Record<string, BuildPlan> = {
  one: plan([director('lv1', ['52:54:00:31:00:11', '52:54:00:31:01:11'])]),
  two: plan([director('lv1', ['52:54:00:31:00:11']), director('lv2', ['52:54:00:31:00:12'])]),
};

function textFiles(files: PxeFile[]): Record<string, string> {
  return Object.fromEntries(files.flatMap((f) => ('content' in f ? [[f.path, f.content]] : [])));
}

for (const [name, p] of Object.entries(PLANS)) {
  test(`golden PXE text files: ${name}`, async (t) => {
    const files = textFiles(emitPxeFiles(p, await loadPxeTemplates()));
    for (const [rel, content] of Object.entries(files)) {
      const golden = path.join(GOLDEN, name, rel);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(path.dirname(golden), { recursive: true });
        writeFileSync(golden, content);
      }
      t.true(existsSync(golden), `missing golden ${golden} (regenerate with UPDATE_GOLDEN=1)`);
      t.is(content, readFileSync(golden, 'utf8'), rel);
    }
  });
}

test('one pxelinux config per MAC, one iPXE script per director, bootloaders copied from Debian paths', async (t) => {
  const files = emitPxeFiles(PLANS.two!, await loadPxeTemplates());
  const paths = files.map((f) => f.path);
  t.deepEqual(
    paths.filter((p) => p.startsWith('pxelinux.cfg/')),
    ['pxelinux.cfg/default', 'pxelinux.cfg/01-52-54-00-31-00-11', 'pxelinux.cfg/01-52-54-00-31-00-12'],
  );
  t.deepEqual(
    paths.filter((p) => p.endsWith('.ipxe')),
    ['boot.ipxe', 'lv1.ipxe', 'lv2.ipxe'],
  );
  const copies = files.flatMap((f) => ('source' in f ? [[f.path, f.source]] : []));
  t.deepEqual(
    Object.fromEntries(copies),
    Object.fromEntries(Object.entries(BOOT_LOADERS).map(([k, v]) => [k, v.source])),
  );
  t.is(new Set(paths).size, paths.length, 'no path emitted twice');
});

test('iPXE script loads kernel and initrd by paths relative to the script', async (t) => {
  const script = textFiles(emitPxeFiles(PLANS.one!, await loadPxeTemplates()))['lv1.ipxe'] ?? '';
  t.regex(script, /^#!ipxe\n/);
  t.regex(script, /^kernel lv1\/lv1-kernel initrd=lv1-initrd\.img console=ttyS0,115200 panic=10$/m);
  t.regex(script, /^initrd lv1\/lv1-initrd\.img$/m);
  t.notRegex(script, /tftp:\/\/|http:\/\/|^kernel \//m);
});

test('a template referring to a missing field fails instead of rendering empty', (t) => {
  const templates = { 'pxelinux.cfg': '{{nope}}', 'boot.ipxe': '', 'site.ipxe': '', 'grub.cfg': '' };
  t.throws(() => emitPxeFiles(PLANS.one!, templates), { message: /nope/ });
});
