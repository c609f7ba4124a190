import test from 'ava';
import {
  allDrivers,
  driverOfQemuModel,
  driversOf,
  familiesOf,
  familyOfModule,
  familyOfQemuModel,
  firmwareOfModule,
  loadNicCatalog,
  loadPlatformCatalog,
  modulesOf,
  nicFamilyNames,
  nicLines,
  platformLines,
  qemuModels,
  unknownNicNames,
} from '../../src/hardware/catalog.js';

// The families agreed in issue 24 (notes/helpers-24.md): the list the issue names, grouped.
const AGREED = [
  'intel-e1000',
  'intel-e1000e',
  'intel-igb',
  'intel-igc',
  'intel-ixgbe',
  'intel-i40e',
  'intel-ice',
  'broadcom-tg3',
  'broadcom-bnx2',
  'broadcom-bnx2x',
  'broadcom-bnxt',
  'realtek-r8169',
  'realtek-8139',
  'intel-e100',
  'mellanox-mlx4',
  'mellanox-mlx5',
  'aquantia-atlantic',
  'virtio',
  'vmware-vmxnet3',
  'hyperv-netvsc',
  'amazon-ena',
  'google-gve',
  'amd-pcnet',
  'ne2k-pci',
  'dec-tulip',
];
// The modules issue 24 lists by name.
const ISSUE_MODULES = [
  'e1000',
  'e1000e',
  'igb',
  'igbvf',
  'igc',
  'ixgbe',
  'ixgbevf',
  'i40e',
  'iavf',
  'ice',
  'tg3',
  'bnx2',
  'bnx2x',
  'bnxt_en',
  'r8169',
  '8139cp',
  '8139too',
  'e100',
  'mlx4_en',
  'mlx5_core',
  'atlantic',
  'virtio_net',
  'vmxnet3',
  'hv_netvsc',
  'ena',
  'gve',
  'pcnet32',
  'ne2k-pci',
  'tulip',
];
// Every NIC model `qemu-system-x86_64 -device help` lists in QEMU 7.2 (reference/hardware.md §3) but usb-net,
// rocker, pvrdma and ne2k_isa.
const QEMU_72_NICS = [
  'e1000',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82550',
  'i82551',
  'i82557a',
  'i82557b',
  'i82557c',
  'i82558a',
  'i82558b',
  'i82559a',
  'i82559b',
  'i82559c',
  'i82559er',
  'i82562',
  'i82801',
  'rtl8139',
  'pcnet',
  'ne2k_pci',
  'tulip',
  'vmxnet3',
  'virtio-net-pci',
];
const SYMBOL = /^[A-Z0-9_]+$/;

test('the catalog has exactly the agreed families, and the default set is all of them', (t) => {
  t.deepEqual(nicFamilyNames(), AGREED);
  t.deepEqual(familiesOf('default'), AGREED);
  t.deepEqual(modulesOf('default').sort(), [...ISSUE_MODULES].sort());
});

test('every driver has every field of the agreed format, consistent with its firmware', (t) => {
  for (const d of allDrivers()) {
    const where = `${d.family}/${d.module}`;
    t.true(d.symbols.length > 0 && d.symbols.every((s) => SYMBOL.test(s)), where);
    t.true(
      d.needs.every((s) => SYMBOL.test(s)),
      where,
    );
    t.is(typeof d.builtIn, 'boolean', where);
    t.true(d.reason.length > 10, where);
    t.true(Array.isArray(d.qemu), where);
    if (d.firmware.length === 0) {
      t.is(d.firmwarePackage, null, where);
      t.is(d.withoutFirmware, 'works', where);
    } else {
      t.regex(d.firmwarePackage ?? '', /^firmware-/, where);
      t.true(['degraded', 'down'].includes(d.withoutFirmware), where);
      t.true(
        d.firmware.every((f) => /^[a-z0-9_]+(\/[\w.-]+)+$/.test(f)),
        where,
      );
    }
  }
  for (const [name, f] of Object.entries(loadNicCatalog().families)) t.true(f.description.length > 5, name);
});

test('modules and QEMU models are unique, and every QEMU 7.2 NIC model has a driver', (t) => {
  const modules = allDrivers().map((d) => d.module);
  t.is(new Set(modules).size, modules.length);
  t.is(new Set(qemuModels()).size, qemuModels().length);
  t.deepEqual([...qemuModels()].sort(), [...QEMU_72_NICS].sort());
  t.is(familyOfQemuModel('rtl8139'), 'realtek-8139');
  t.is(driverOfQemuModel('rtl8139')?.module, '8139cp');
  t.is(familyOfQemuModel('i82559er'), 'intel-e100');
  t.is(familyOfQemuModel('usb-net'), undefined);
});

test('lookups by module treat - and _ alike and give the declared firmware', (t) => {
  t.is(familyOfModule('ne2k_pci'), 'ne2k-pci');
  t.is(familyOfModule('iavf'), 'intel-i40e');
  t.is(familyOfModule('nfp'), undefined);
  t.deepEqual(firmwareOfModule('e1000e'), []);
  t.true(firmwareOfModule('bnx2x').includes('bnx2x/bnx2x-e2-7.13.21.0.fw'));
  t.is(firmwareOfModule('r8169').length, 20);
  t.deepEqual(firmwareOfModule('nope'), []);
});

test('a list selection is deduplicated in its order; unknown names are reported, not guessed', (t) => {
  t.deepEqual(familiesOf(['virtio', 'intel-e1000e', 'virtio']), ['virtio', 'intel-e1000e']);
  t.deepEqual(unknownNicNames(['virtio', 'intel-e1000x', 'mlx5']), ['intel-e1000x', 'mlx5']);
  t.deepEqual(unknownNicNames('servers'), ['servers']);
  t.deepEqual(unknownNicNames('default'), []);
  t.throws(() => familiesOf(['intel-e1000x']), { message: /intel-e1000x/ });
  t.deepEqual(
    driversOf(['intel-igb']).map((d) => [d.family, d.module]),
    [
      ['intel-igb', 'igb'],
      ['intel-igb', 'igbvf'],
    ],
  );
});

test('nicLines: symbols follow builtIn (or all y without modules), needs are always y', (t) => {
  const drivers = driversOf(['mellanox-mlx5', 'intel-e1000e']);
  const lines = nicLines(drivers);
  const value = (s: string) => lines.filter((l) => l.symbol === s).map((l) => l.value);
  const mlx5 = drivers.find((d) => d.module === 'mlx5_core');
  t.deepEqual(value('MLX5_CORE'), [mlx5?.builtIn ? 'y' : 'm']);
  t.deepEqual(value('MLX5_CORE_EN'), ['y']);
  t.deepEqual(value('PCI_MSI'), ['y', 'y']);
  t.true(nicLines(drivers, true).every((l) => l.value === 'y'));
  t.regex(lines[0]?.source ?? '', /^hardware\/nics\.json: /);
});

test('platform data: every group has a reason and valid lines; the issue numbers are in it', (t) => {
  const catalog = loadPlatformCatalog();
  t.deepEqual(catalog.sets.default, Object.keys(catalog.groups));
  for (const [name, g] of Object.entries(catalog.groups)) {
    t.true(g.reason.length > 10 && g.source.length > 0, name);
    for (const [s, v] of Object.entries(g.symbols))
      t.true(SYMBOL.test(s) && /^(y|\d+)$/.test(v), `${name} ${s}`);
  }
  const lines = new Map(platformLines().map((l) => [l.symbol, l.value]));
  for (const [s, v] of [
    ['SMP', 'y'],
    ['NR_CPUS', '512'],
    ['PCI_MSI', 'y'],
    ['X86_X2APIC', 'y'],
    ['IRQ_REMAP', 'y'],
    ['ITCO_WDT', 'y'],
    ['LPC_ICH', 'y'],
    ['I2C_I801', 'y'],
    ['I6300ESB_WDT', 'y'],
    ['SOFT_WATCHDOG', 'y'],
    ['PANIC_TIMEOUT', '10'],
    ['SERIAL_8250_NR_UARTS', '8'],
    ['USB_HID', 'y'],
    ['FB_EFI', 'y'],
    ['MICROCODE_AMD', 'y'],
  ]) {
    t.is(lines.get(s as string), v, s);
  }
  const symbols = platformLines().map((l) => l.symbol);
  t.is(new Set(symbols).size, symbols.length, 'no symbol in two groups');
  t.deepEqual(
    platformLines(['panic']).map((l) => l.symbol),
    ['PANIC_TIMEOUT', 'MAGIC_SYSRQ', 'PRINTK_TIME'],
  );
  t.throws(() => platformLines(['nope']), { message: /nope/ });
});
