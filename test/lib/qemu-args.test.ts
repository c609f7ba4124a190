import test from 'ava';
import { buildQemuArgs } from '../../src/lib/qemu-args.js';

function valueOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

test('a direct boot: software emulation, 256 MiB, serial on stdio, no reboot, kernel/initrd/append', (t) => {
  const args = buildQemuArgs({
    direct: { kernel: '/s/lv1/lv1-kernel', initrd: '/s/lv1/lv1-initrd.img', append: 'console=ttyS0 quiet' },
    nics: [{ backend: { kind: 'user' }, mac: '52:54:00:31:00:11' }],
  });
  t.deepEqual(valueOf(args, '-accel'), ['tcg']);
  t.false(args.some((a) => /kvm/.test(a)));
  t.deepEqual(valueOf(args, '-m'), ['256']);
  t.deepEqual(valueOf(args, '-serial'), ['stdio']);
  t.true(args.includes('-no-reboot'));
  t.deepEqual(valueOf(args, '-append'), ['console=ttyS0 quiet']);
  t.deepEqual(valueOf(args, '-netdev'), ['user,id=n0,restrict=on']);
  t.deepEqual(valueOf(args, '-device'), ['virtio-net-pci,netdev=n0,mac=52:54:00:31:00:11,romfile=']);
});

test('a PXE boot: QEMU TFTP on the boot NIC only, restrict=on everywhere, boot from the network', (t) => {
  const args = buildQemuArgs({
    nics: [
      { backend: { kind: 'user' } },
      { backend: { kind: 'user', tftpRoot: '/s', bootfile: 'lv1.ipxe' }, boot: true },
    ],
  });
  t.deepEqual(valueOf(args, '-netdev'), [
    'user,id=n0,restrict=on',
    'user,id=n1,restrict=on,tftp=/s,bootfile=lv1.ipxe',
  ]);
  t.deepEqual(valueOf(args, '-device'), [
    'virtio-net-pci,netdev=n0,romfile=',
    'virtio-net-pci,netdev=n1,bootindex=2',
  ]);
  t.deepEqual(valueOf(args, '-boot'), ['order=n']);
  t.false(args.includes('-kernel'));
});

test('tap NICs for the lab, and no NIC at all', (t) => {
  t.deepEqual(
    valueOf(
      buildQemuArgs({
        direct: { kernel: 'k', initrd: 'i', append: '' },
        nics: [{ backend: { kind: 'tap', ifname: 'lvtap0' } }],
      }),
      '-netdev',
    ),
    ['tap,id=n0,ifname=lvtap0,script=no,downscript=no'],
  );
  t.deepEqual(
    valueOf(buildQemuArgs({ direct: { kernel: 'k', initrd: 'i', append: '' }, nics: [] }), '-nic'),
    ['none'],
  );
});

test('refuses option values that would smuggle in options, and a network boot without a boot NIC', (t) => {
  t.throws(
    () =>
      buildQemuArgs({
        nics: [{ backend: { kind: 'user', tftpRoot: '/s,hostfwd=tcp::22-:22' }, boot: true }],
      }),
    { message: /comma/ },
  );
  t.throws(() => buildQemuArgs({ nics: [{ backend: { kind: 'user' } }] }), { message: /boot: true/ });
});

test('UEFI: OVMF code read-only and a writable variable store on pflash; Secure Boot adds SMM', (t) => {
  const nics = [
    {
      backend: { kind: 'tap' as const, ifname: 'tap0' },
      model: 'virtio-net-pci' as const,
      boot: true,
      rom: false,
    },
  ];
  const plain = buildQemuArgs({ nics, firmware: { kind: 'uefi', code: '/fw/CODE.fd', vars: '/w/vars.fd' } });
  t.deepEqual(valueOf(plain, '-drive'), [
    'if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd',
    'if=pflash,format=raw,unit=1,file=/w/vars.fd',
  ]);
  t.deepEqual(valueOf(plain, '-machine'), ['q35']);
  t.deepEqual(valueOf(plain, '-device'), ['virtio-net-pci,netdev=n0,bootindex=1,romfile=']);
  t.deepEqual(valueOf(plain, '-fw_cfg'), []);
  const secure = buildQemuArgs({
    nics,
    firmware: { kind: 'uefi', code: '/fw/CODE.secboot.fd', vars: '/w/vars.fd', secure: true, httpBoot: true },
  });
  t.deepEqual(valueOf(secure, '-machine'), ['q35,smm=on']);
  t.deepEqual(valueOf(secure, '-global'), ['driver=cfi.pflash01,property=secure,value=on']);
  t.deepEqual(valueOf(secure, '-fw_cfg'), [
    'name=opt/org.tianocore/IPv4PXESupport,string=n',
    'name=opt/org.tianocore/IPv6PXESupport,string=n',
  ]);
  t.throws(
    () =>
      buildQemuArgs({ nics, machine: 'pc', firmware: { kind: 'uefi', code: 'c', vars: 'v', secure: true } }),
    { message: /q35/ },
  );
});

test('hardware: -smp N and further devices (a watchdog) before the NICs; bad values refused', (t) => {
  const args = buildQemuArgs({
    direct: { kernel: 'k', initrd: 'i', append: '' },
    nics: [{ backend: { kind: 'user' }, model: 'e1000e' }],
    smp: 4,
    devices: ['i6300esb'],
  });
  t.deepEqual(valueOf(args, '-smp'), ['4']);
  t.deepEqual(valueOf(args, '-device'), ['i6300esb', 'e1000e,netdev=n0,romfile=']);
  t.deepEqual(
    valueOf(buildQemuArgs({ direct: { kernel: 'k', initrd: 'i', append: '' }, nics: [] }), '-smp'),
    [],
  );
  const direct = { kernel: 'k', initrd: 'i', append: '' };
  t.throws(() => buildQemuArgs({ direct, nics: [], smp: 0 }), { message: /-smp/ });
  t.throws(() => buildQemuArgs({ direct, nics: [], devices: ['i6300esb,id=x'] }), { message: /comma/ });
});
