/**
 * A hand-made director image for boot tests, published in the layout of src/layout.ts: Debian's kernel with
 * IPVS as modules, busybox-static, a static ipvsadm and a small /init that prints the ready line. It stands in
 * for the real `lvs-image build` output until that exists. Packed with GNU cpio + gzip (the real packer is
 * src/stages/initramfs.ts).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directorFiles } from '../../src/layout.js';
import { readyLine } from '../../src/runtime/console-contract.js';
import { DEBIAN_MODULES, DEBIAN_RELEASE, DEBIAN_VMLINUZ } from './debian-kernel.js';
import { testIpvsadmSync } from './ipvsadm.js';

/** The kernel and the module set the dev image uses (the installed Debian kernel, see measured-here.md). */
export const DEV_KERNEL = DEBIAN_VMLINUZ;
export const DEV_RELEASE = DEBIAN_RELEASE;

// NOTE: load order matters: libcrc32c needs a crc32c implementation first (modules.softdep), ip_vs needs
// nf_conntrack and both defrag modules; e1000 drives QEMU's default NIC.
const MODULES = [
  'crypto/crc32c_generic',
  'lib/libcrc32c',
  'net/ipv4/netfilter/nf_defrag_ipv4',
  'net/ipv6/netfilter/nf_defrag_ipv6',
  'net/netfilter/nf_conntrack',
  'net/netfilter/ipvs/ip_vs',
  'net/netfilter/ipvs/ip_vs_rr',
  'net/netfilter/ipvs/ip_vs_wrr',
  'net/netfilter/ipvs/ip_vs_lc',
  'net/netfilter/ipvs/ip_vs_wlc',
  'drivers/net/ethernet/intel/e1000/e1000',
];

/** The reference director lv1 (seed-scenario.md). */
export const REFERENCE_RULES = [
  '-A -t 10.10.31.100:80 -s lc',
  '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
  '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1',
  '',
].join('\n');

export interface DevImageOptions {
  hostname?: string;
  /** ipvsadm -Sn style rules, applied with `ipvsadm -R`. */
  rules?: string;
  interfaces?: { name: string; address: string }[];
  vips?: { address: string; interface: string; label?: string }[];
  services?: number;
  realServers?: number;
  /** Extra kernel command-line words. */
  cmdline?: string;
}

/**
 * True when this machine has what the dev image is made of (Debian's kernel and modules, busybox). It also
 * builds the static ipvsadm (or takes it from the cache) and throws, failing the test, if that build fails.
 */
export function devImageAvailable(): boolean {
  const host = [DEV_KERNEL, DEBIAN_MODULES, '/bin/busybox'].every((f) => DEV_RELEASE !== '' && existsSync(f));
  return host && existsSync(testIpvsadmSync());
}

function initScript(o: Required<Omit<DevImageOptions, 'cmdline'>>): string {
  const mods = MODULES.map((m) => path.basename(m)).join(' ');
  const ifs = o.interfaces.flatMap((i) => [
    `ip link set ${i.name} up || fail net`,
    `ip addr add ${i.address} dev ${i.name} || fail net`,
  ]);
  const vips = o.vips.map(
    (v) => `ip addr add ${v.address} ${v.label ? `label ${v.label} ` : ''}dev ${v.interface} || fail vips`,
  );
  return [
    '#!/bin/sh',
    '/bin/busybox mount -t devtmpfs dev /dev',
    'exec 0</dev/console 1>/dev/console 2>&1',
    '/bin/busybox --install -s /bin',
    'fail() { echo "lvs-image: FAILED $1: see above"; }',
    'mount -t proc proc /proc; mount -t sysfs sys /sys',
    `for m in ${mods}; do insmod /lib/modules/$m.ko || fail modules; done`,
    'ip link set lo up',
    ...ifs,
    ...vips,
    'ipvsadm -R < /etc/ipvsadm.rules || fail ipvsadm',
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    `echo "${readyLine(o.hostname, 'rules', o.services, o.realServers)}"`,
    'while true; do cttyhack sh; done',
    '',
  ].join('\n');
}

/** Builds the dev image under a fresh temp folder and returns its site root. */
export function makeDevImage(opts: DevImageOptions = {}): { siteRoot: string; hostname: string } {
  const o = {
    hostname: opts.hostname ?? 'lv1',
    rules: opts.rules ?? REFERENCE_RULES,
    interfaces: opts.interfaces ?? [
      { name: 'eth0', address: '10.10.31.11/24' },
      { name: 'eth1', address: '192.168.31.11/24' },
    ],
    vips: opts.vips ?? [{ address: '10.10.31.100', interface: 'eth0', label: 'eth0:100' }],
    services: opts.services ?? 1,
    realServers: opts.realServers ?? 2,
  };
  const work = mkdtempSync(path.join(tmpdir(), 'lvs-dev-image-'));
  const root = path.join(work, 'rootfs');
  for (const d of ['bin', 'sbin', 'etc', 'dev', 'proc', 'sys', 'lib/modules'])
    mkdirSync(path.join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  symlinkSync('busybox', path.join(root, 'bin/sh'));
  copyFileSync(testIpvsadmSync(), path.join(root, 'sbin/ipvsadm'));
  for (const m of MODULES) {
    copyFileSync(
      `${DEBIAN_MODULES}/kernel/${m}.ko`,
      path.join(root, 'lib/modules', `${path.basename(m)}.ko`),
    );
  }
  writeFileSync(path.join(root, 'etc/ipvsadm.rules'), o.rules);
  writeFileSync(path.join(root, 'init'), initScript(o), { mode: 0o755 });

  const siteRoot = path.join(work, 'site');
  const files = directorFiles(o.hostname);
  mkdirSync(path.join(siteRoot, o.hostname), { recursive: true });
  copyFileSync(DEV_KERNEL, path.join(siteRoot, files.kernel));
  const list = ['.', ...listTree(root, '.')].sort().join('\n') + '\n';
  const cpio = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet'], {
    cwd: root,
    input: list,
    maxBuffer: 1 << 28,
  });
  writeFileSync(
    path.join(siteRoot, files.initrd),
    execFileSync('gzip', ['-6', '-n'], { input: cpio, maxBuffer: 1 << 28 }),
  );
  const cmdline = `console=ttyS0,115200 panic=-1 quiet${opts.cmdline ? ` ${opts.cmdline}` : ''}`;
  writeFileSync(path.join(siteRoot, files.cmdline), `${cmdline}\n`);
  // What `lvs-image serve` hands to iPXE first (the real one picks the director by MAC).
  writeFileSync(path.join(siteRoot, 'boot.ipxe'), `#!ipxe\nchain ${files.ipxe}\n`);
  writeFileSync(
    path.join(siteRoot, files.ipxe),
    `#!ipxe\nkernel ${files.kernel} ${cmdline}\ninitrd ${files.initrd}\nboot\n`,
  );
  return { siteRoot, hostname: o.hostname };
}

function listTree(dir: string, rel: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = `${rel}/${e.name}`;
    return e.isDirectory() ? [r, ...listTree(path.join(dir, e.name), r)] : [r];
  });
}
