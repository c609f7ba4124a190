/**
 * The kernel itself unpacks our initrd: Debian's kernel boots each compression (two parts each), /init loads
 * the IPVS module closure from /etc/modules with busybox modprobe and prints a line, then `reboot -f` ends QEMU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packInitramfs } from '../../src/stages/initramfs.js';
import { assembleRootfs } from '../../src/stages/rootfs.js';
import { DEBIAN_CONFIG, DEBIAN_MODULES, DEBIAN_RELEASE, DEBIAN_VMLINUZ } from '../_helpers/debian-kernel.js';
import { integrationTest } from '../_helpers/integration.js';
import { provideTestIpvsadm } from '../_helpers/ipvsadm.js';

const KERNEL = DEBIAN_VMLINUZ;

const INIT = `#!/bin/sh
mount -t proc proc /proc
while read m; do modprobe "$m" || echo "MODPROBE-FAILED $m"; done < /etc/modules
echo "UNPACKED-OK $(cat /etc/hostname) $(head -1 /proc/net/ip_vs)"
reboot -f
`;

for (const compression of ['gzip', 'xz', 'zstd'] as const) {
  integrationTest(
    `Debian's kernel unpacks a 2-part ${compression} initrd and loads the modules`,
    ['qemu-system-x86_64', 'busybox', 'gcc', 'make'],
    async (t) => {
      const release = DEBIAN_RELEASE;
      t.true(existsSync(KERNEL) && existsSync(DEBIAN_MODULES), `no ${DEBIAN_MODULES} beside ${KERNEL}`);
      const dir = await mkdtemp(path.join(tmpdir(), 'initramfs-boot-'));
      t.teardown(() => rm(dir, { recursive: true, force: true }));
      const entries = await assembleRootfs({
        hostname: 'lv1',
        rendered: [{ path: '/init', mode: 0o755, content: INIT }],
        ipvsadm: {
          version: '1.31',
          binary: await provideTestIpvsadm(),
          ipvsVersionCode: 0x010201,
          versionLine: '',
          libraries: [],
        },
        kernel: {
          release,
          image: KERNEL,
          modulesRoot: '/',
          config: DEBIAN_CONFIG,
          ipvsVersionCode: 0x010201,
          sourceSha256: '',
          origin: 'debian:linux-image-amd64',
        },
        busybox: '/bin/busybox',
        modules: ['ip_vs', 'ip_vs_lc'],
      });
      const initrd = path.join(dir, 'initrd.img');
      const config = existsSync(DEBIAN_CONFIG) ? readFileSync(DEBIAN_CONFIG, 'utf8') : undefined;
      await packInitramfs(
        entries,
        { compression, epoch: 1700000000, parts: 2, ...(config ? { kernelConfig: config } : {}) },
        initrd,
      );
      // No network at all (-nic none); spawnSync kills the QEMU it started when the bound runs out.
      const qemu = spawnSync(
        'qemu-system-x86_64',
        [
          '-m',
          '256',
          '-nographic',
          '-no-reboot',
          '-nic',
          'none',
          '-kernel',
          KERNEL,
          '-initrd',
          initrd,
          '-append',
          'console=ttyS0 quiet panic=-1',
        ],
        { timeout: 240_000, killSignal: 'SIGKILL', maxBuffer: 1 << 24 },
      );
      const log = qemu.stdout.toString('latin1');
      t.regex(log, /UNPACKED-OK lv1 IP Virtual Server version 1\.2\.1/, log.slice(-2000));
      t.notRegex(log, /MODPROBE-FAILED|Initramfs unpacking failed/);
    },
  );
}
