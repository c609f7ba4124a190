import test from 'ava';
import { BOOT_CELLS, FIRMWARE_CHOICES, PATH_CHOICES, selectCells } from '../../src/boot-test/cells.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkCells, hasEfiStub } from '../../src/boot-test/matrix.js';
import { firmwareFor } from '../../src/boot-test/netboot.js';
import { BuildError } from '../../src/lib/errors.js';

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

/** A published root for lv1 whose kernel is `kernel`, with every site file but `without`. */
function root(kernel: Buffer, without: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-cells-'));
  mkdirSync(path.join(dir, 'lv1'));
  const files: Record<string, string | Buffer> = {
    'lv1/lv1-kernel': kernel,
    'lv1/lv1-initrd.img': 'i',
    'lv1/lv1-cmdline': 'console=ttyS0',
    'lv1.ipxe': '#!ipxe',
    'boot.ipxe': '#!ipxe',
    'undionly.kpxe': 'x',
    'snponly.efi': 'x',
    'pxelinux.0': 'x',
    'grubnetx64.efi': 'x',
  };
  for (const [f, content] of Object.entries(files))
    if (!without.includes(f)) writeFileSync(path.join(dir, f), content);
  return dir;
}

const efiKernel = (): Buffer => {
  const k = Buffer.alloc(4096);
  k.write('MZ', 0, 'latin1');
  k.writeUInt32LE(0x80, 0x3c);
  k.write('PE\0\0', 0x80, 'latin1');
  return k;
};

test('checkCells: before QEMU, every missing file and a kernel without EFI stub are named per cell', (t) => {
  t.notThrows(() => checkCells(root(efiKernel()), 'images/x.yaml', ['lv1'], BOOT_CELLS));
  const err = t.throws(
    () => checkCells(root(Buffer.alloc(4096), ['snponly.efi']), 'images/x.yaml', ['lv1'], BOOT_CELLS),
    { instanceOf: BuildError },
  );
  const lines = (err?.message ?? '').split('\n').map((l) => l.trim());
  t.true(lines.includes('lv1 uefi-ipxe: missing snponly.efi'), err?.message);
  t.true(lines.includes('lv1 uefi-http: missing snponly.efi'), err?.message);
  t.true(
    lines.some((l) => l.startsWith('lv1 uefi-direct: ') && l.includes('has no EFI stub')),
    err?.message,
  );
  t.false(
    lines.some((l) => l.startsWith('lv1 bios-')),
    'BIOS cells need no EFI stub',
  );
  t.false(
    lines.some((l) => l.startsWith('lv1 uefi-secure-ipxe: ') && l.includes('EFI stub')),
    'the Secure Boot cell must fail anyway',
  );
});

test('firmwareFor: BIOS needs nothing; a UEFI cell gets its own copy of the variable store', (t) => {
  const cell = BOOT_CELLS.find((c) => c.id === 'uefi-http')!;
  t.deepEqual(firmwareFor(BOOT_CELLS[0]!, '/nonexistent'), { kind: 'bios' });
  const work = mkdtempSync(path.join(tmpdir(), 'lvs-fw-'));
  t.like(firmwareFor(cell, work), {
    kind: 'uefi',
    httpBoot: true,
    vars: path.join(work, 'uefi-http-vars.fd'),
  });
});
