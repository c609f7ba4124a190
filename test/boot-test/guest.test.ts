import test from 'ava';
import { guestSpecFor } from '../../src/boot-test/guest.js';

const INPUT = {
  siteRoot: '/out/dsas',
  hostname: 'lv1',
  cmdline: 'console=ttyS0,115200 quiet\n',
  interfaces: [
    { name: 'eth0', mac: '52:54:00:31:00:11' },
    { name: 'eth1', mac: '52:54:00:31:01:11', boot: true },
  ],
};

test('direct boot: the published kernel, initrd and command line; no NIC offers PXE', (t) => {
  const spec = guestSpecFor(INPUT, 'direct');
  t.deepEqual(spec.direct, {
    kernel: '/out/dsas/lv1/lv1-kernel',
    initrd: '/out/dsas/lv1/lv1-initrd.img',
    append: 'console=ttyS0,115200 quiet',
  });
  t.deepEqual(
    spec.nics.map((n) => [n.mac, n.boot, n.backend]),
    [
      ['52:54:00:31:00:11', undefined, { kind: 'user' }],
      ['52:54:00:31:01:11', undefined, { kind: 'user' }],
    ],
  );
});

test('PXE boot: QEMU TFTP serves the site root and names <hostname>.ipxe on the boot NIC', (t) => {
  const spec = guestSpecFor(INPUT, 'pxe');
  t.is(spec.direct, undefined);
  t.deepEqual(spec.nics[1], {
    backend: { kind: 'user', tftpRoot: '/out/dsas', bootfile: 'lv1.ipxe' },
    mac: '52:54:00:31:01:11',
    boot: true,
  });
  t.deepEqual(spec.nics[0]?.backend, { kind: 'user' });
});

test('without interfaces the guest still gets eth0, which PXE-boots', (t) => {
  const spec = guestSpecFor({ ...INPUT, interfaces: [] }, 'pxe');
  t.is(spec.nics.length, 1);
  t.true(spec.nics[0]?.boot);
});
