import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RootfsEntry } from '../../src/lib/cpio.js';
import { BuildError } from '../../src/lib/errors.js';
import { planBusyboxLinks } from '../../src/stages/rootfs/busybox.js';
import { readNeeded } from '../../src/stages/rootfs/elf.js';
import { parseLdd } from '../../src/stages/rootfs/libs.js';
import { mergeLayers } from '../../src/stages/rootfs/merge.js';
import { type DepmodFiles, moduleName, planModules } from '../../src/stages/rootfs/modules.js';
import { planSkeleton } from '../../src/stages/rootfs/skeleton.js';

const FIX = path.join(import.meta.dirname, '../fixtures/rootfs/modules');
const read = (f: string) => readFileSync(path.join(FIX, f), 'utf8');
const DEPMOD: DepmodFiles = {
  dep: read('modules.dep'),
  softdep: read('modules.softdep'),
  alias: read('modules.alias'),
  builtin: read('modules.builtin'),
  order: read('modules.order'),
};

test('module closure: dependencies first, crc32c_generic before libcrc32c (softdep via alias)', (t) => {
  const plan = planModules(['ip_vs', 'ip_vs_lc'], DEPMOD, FIX);
  t.deepEqual(plan.load, [
    'crc32c_generic',
    'libcrc32c',
    'nf_defrag_ipv4',
    'nf_defrag_ipv6',
    'nf_conntrack',
    'ip_vs',
    'ip_vs_lc',
  ]);
});

test('module closure: built-in modules are skipped, unknown ones are an error naming modules.dep', (t) => {
  t.deepEqual(planModules(['ip_vs_rr'], DEPMOD, FIX).load, []);
  const err = t.throws(() => planModules(['ip_vs', 'ip_vs_nope'], DEPMOD, '/m'), { instanceOf: BuildError });
  t.regex(err.message, /^\/m\/modules\.dep: no module ip_vs_nope/);
});

test('carried (coldplug) modules join the files and depmod files with their closure, not the load order', (t) => {
  const plan = planModules(['ip_vs'], DEPMOD, FIX, ['bnx2x', 'ip_vs']);
  t.deepEqual(plan.load, planModules(['ip_vs'], DEPMOD, FIX).load, 'what /etc/modules loads is unchanged');
  t.deepEqual(
    plan.files.map((f) => f.name).slice(plan.load.length),
    ['mdio', 'bnx2x'],
    'libcrc32c is there once, from the load closure',
  );
  t.regex(
    plan.depmod['modules.dep']!,
    /^kernel\/drivers\/net\/ethernet\/broadcom\/bnx2x\/bnx2x\.ko: kernel\/drivers\/net\/mdio\.ko kernel\/lib\/libcrc32c\.ko$/m,
  );
  t.regex(plan.depmod['modules.alias']!, /^alias pci:v000014E4d0000164Esv\*sd\*bc\*sc\*i\* bnx2x$/m);
  t.deepEqual(planModules([], DEPMOD, FIX, ['bnx2x']).load, []);
  const err = t.throws(() => planModules([], DEPMOD, '/m', ['gve']), { instanceOf: BuildError });
  t.regex(err.message, /^\/m\/modules\.dep: no module gve in this kernel, and not built in/);
});

test('compressed modules become .ko in the image and in the trimmed depmod files', (t) => {
  const plan = planModules(['ip_vs'], DEPMOD, FIX);
  t.deepEqual(
    plan.files.find((f) => f.name === 'ip_vs'),
    {
      name: 'ip_vs',
      source: 'kernel/net/netfilter/ipvs/ip_vs.ko.xz',
      target: 'kernel/net/netfilter/ipvs/ip_vs.ko',
    },
  );
  t.false(Object.values(plan.depmod).some((text) => text.includes('.ko.xz')));
  t.regex(plan.depmod['modules.dep']!, /^kernel\/net\/netfilter\/nf_conntrack\.ko: kernel\/net\/ipv6/m);
  t.notRegex(plan.depmod['modules.dep']!, /xfs/);
  t.is(plan.depmod['modules.softdep'], 'softdep libcrc32c pre: crc32c\nsoftdep ip_vs post: ip_vs_rr\n');
  t.is(plan.depmod['modules.alias'], 'alias crc32c crc32c_generic\nalias crypto-crc32c crc32c_generic\n');
  t.false(plan.depmod['modules.order']!.includes('xfs'));
});

test('module names: suffixes dropped, dashes read as underscores', (t) => {
  t.is(moduleName('kernel/arch/x86/crypto/crc32c-intel.ko.zst'), 'crc32c_intel');
  t.is(moduleName('kernel/net/netfilter/ipvs/ip_vs.ko'), 'ip_vs');
});

test('busybox links: every applet in a bin folder, not /linuxrc, pointing at /bin/busybox', (t) => {
  const links = planBusyboxLinks('usr/bin/[\nsbin/modprobe\nlinuxrc\nbin/sh\n\n');
  t.deepEqual(links, [
    { type: 'symlink', path: '/usr/bin/[', target: '/bin/busybox' },
    { type: 'symlink', path: '/sbin/modprobe', target: '/bin/busybox' },
    { type: 'symlink', path: '/bin/sh', target: '/bin/busybox' },
  ]);
});

test('ldd output: libraries and loader, not the vDSO; static binaries add nothing', (t) => {
  const out = [
    '/usr/sbin/ipvsadm:',
    '\tlinux-vdso.so.1 (0x00007ffd1c3f0000)',
    '\tlibpopt.so.0 => /lib/x86_64-linux-gnu/libpopt.so.0 (0x00007f0)',
    '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f2)',
    '/bin/busybox:',
    '\tnot a dynamic executable',
  ].join('\n');
  t.deepEqual(parseLdd(out, 'x'), [
    '/lib/x86_64-linux-gnu/libc.so.6',
    '/lib/x86_64-linux-gnu/libpopt.so.0',
    '/lib64/ld-linux-x86-64.so.2',
  ]);
  t.throws(() => parseLdd('\tlibnl-3.so.200 => not found\n', '/x/ipvsadm'), {
    message: /\/x\/ipvsadm needs libnl-3\.so\.200/,
  });
});

test('ELF DT_NEEDED: names from a dynamic program, undefined for a non-ELF file', (t) => {
  t.true(readNeeded(readFileSync(process.execPath))?.includes('libc.so.6'));
  t.is(readNeeded(Buffer.from('#!/bin/sh\n'.padEnd(80))), undefined);
});

test('skeleton: /dev/console c 5 1 and /dev/null c 1 3, /tmp sticky', (t) => {
  const sk = planSkeleton();
  t.deepEqual(
    sk.find((e) => e.path === '/dev/console'),
    { type: 'char', path: '/dev/console', mode: 0o600, major: 5, minor: 1 },
  );
  t.deepEqual(
    sk.find((e) => e.path === '/dev/null'),
    { type: 'char', path: '/dev/null', mode: 0o666, major: 1, minor: 3 },
  );
  t.deepEqual(
    sk.find((e) => e.path === '/tmp'),
    { type: 'dir', path: '/tmp', mode: 0o1777 },
  );
});

const init: RootfsEntry = { type: 'file', path: '/init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') };

test('merge: higher rank replaces, parents are added, result sorted', (t) => {
  const merged = mergeLayers([
    { source: 'skeleton', rank: 0, entries: [{ type: 'dir', path: '/bin', mode: 0o755 }] },
    { source: 'applets', rank: 1, entries: [{ type: 'symlink', path: '/sbin/ip', target: '/bin/busybox' }] },
    {
      source: 'binaries',
      rank: 2,
      entries: [{ type: 'file', path: '/sbin/ip', mode: 0o755, data: Buffer.from('ip') }],
    },
    {
      source: 'rendered',
      rank: 3,
      entries: [init, { type: 'file', path: '/etc/a/b', mode: 0o644, data: Buffer.from('') }],
    },
  ]);
  t.deepEqual(
    merged.map((e) => `${e.type} ${e.path}`),
    ['dir /bin', 'dir /etc', 'dir /etc/a', 'file /etc/a/b', 'file /init', 'dir /sbin', 'file /sbin/ip'],
  );
});

test('merge: same path at the same rank names both sources; /init is required', (t) => {
  const a: RootfsEntry = { type: 'file', path: '/etc/x', mode: 0o644, data: Buffer.from('a') };
  t.throws(
    () =>
      mergeLayers([
        { source: 'kernel modules', rank: 2, entries: [init, a] },
        { source: 'hostname', rank: 2, entries: [a] },
      ]),
    { message: '/etc/x is in the image twice: from kernel modules and from hostname' },
  );
  t.throws(() => mergeLayers([{ source: 'skeleton', rank: 0, entries: planSkeleton() }]), {
    message: /no executable \/init/,
  });
});
