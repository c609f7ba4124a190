import test from 'ava';
import { BOOT_CELLS, FIRMWARE_CHOICES, PATH_CHOICES, selectCells } from '../../src/boot-test/cells.js';
import { hasEfiStub } from '../../src/boot-test/matrix.js';

test('the matrix: BIOS direct, iPXE, pxelinux; UEFI direct, iPXE, GRUB, HTTP; Secure Boot must refuse', (t) => {
  t.deepEqual(
    BOOT_CELLS.map((c) => c.id),
    [
      'bios-direct',
      'bios-ipxe',
      'bios-pxelinux',
      'uefi-direct',
      'uefi-ipxe',
      'uefi-grub',
      'uefi-http',
      'uefi-secure-ipxe',
    ],
  );
  t.deepEqual(
    selectCells(FIRMWARE_CHOICES.all!, PATH_CHOICES.all!).map((c) => c.id),
    ['bios-direct', 'bios-ipxe', 'bios-pxelinux', 'uefi-direct', 'uefi-ipxe', 'uefi-grub', 'uefi-http'],
  );
  t.deepEqual(
    selectCells(FIRMWARE_CHOICES.uefi!, PATH_CHOICES.pxe!).map((c) => c.id),
    ['uefi-ipxe', 'uefi-grub'],
  );
  t.deepEqual(selectCells(FIRMWARE_CHOICES.bios!, PATH_CHOICES.http!), []);
});

test('UEFI network cells boot a NIC without iPXE ROM (OVMF does PXE and HTTP boot itself); BIOS ones the iPXE ROM', (t) => {
  for (const c of BOOT_CELLS.filter((x) => x.path !== 'direct'))
    t.deepEqual(
      c.nic,
      c.firmware === 'bios' ? { model: 'e1000', rom: true } : { model: 'virtio-net-pci', rom: false },
      c.id,
    );
});

test('hasEfiStub: MZ and a PE header where 0x3c points', (t) => {
  const stub = Buffer.alloc(512);
  stub.write('MZ', 0, 'latin1');
  stub.writeUInt32LE(0x80, 0x3c);
  stub.write('PE\0\0', 0x80, 'latin1');
  t.true(hasEfiStub(stub));
  const legacy = Buffer.from(stub);
  legacy.write('\xea\x05', 0, 'latin1');
  t.false(hasEfiStub(legacy));
  const noPe = Buffer.from(stub);
  noPe.write('XX', 0x80, 'latin1');
  t.false(hasEfiStub(noPe));
  t.false(hasEfiStub(Buffer.alloc(10)));
});
