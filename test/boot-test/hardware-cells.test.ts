import test from 'ava';
import path from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { ROOT } from '../_helpers/cli.js';
import { driverOfQemuModel } from '../../src/hardware/catalog.js';
import {
  HARDWARE_CELLS,
  NIC_MODELS,
  hardwareDevices,
  hardwareExpectation,
  hardwareNics,
  selectHardwareCells,
  catalogDriversOf,
  hardwareGuest,
} from '../../src/boot-test/hardware-cells.js';
import type { HardwareCell } from '../../src/boot-test/cells.js';

const IFACES = [
  { name: 'eth0', mac: '52:54:00:31:00:11' },
  { name: 'eth1', mac: '52:54:00:31:01:11', boot: true },
];

const hw = (id: string): HardwareCell => {
  const cell = HARDWARE_CELLS.find((c) => c.id === id)?.hardware;
  if (cell === undefined) throw new Error(`no cell ${id}`);
  return cell;
};

test('every PCI NIC model QEMU 7.2 emulates is in the table, each with a catalog driver', (t) => {
  t.deepEqual(Object.keys(NIC_MODELS), [
    'e1000',
    'e1000e',
    'rtl8139',
    'i82557b',
    'pcnet',
    'ne2k_pci',
    'tulip',
    'vmxnet3',
    'virtio-net-pci',
  ]);
  for (const model of Object.keys(NIC_MODELS))
    t.truthy(driverOfQemuModel(model), `${model}: no driver of hardware/nics.json lists it in qemu`);
  t.deepEqual(catalogDriversOf('rtl8139'), ['8139cp']);
  t.deepEqual(catalogDriversOf('i82557b'), ['e100']);
  t.deepEqual(catalogDriversOf('virtio-net-pci'), ['virtio_net']);
});

test('--hardware all: a cell per model on both interfaces, one -smp 4, one with two models in reversed PCI order', (t) => {
  const cells = selectHardwareCells({ hardware: 'all' });
  if (!Array.isArray(cells)) return t.fail(cells.message);
  t.deepEqual(
    cells.map((c) => c.id),
    [...Object.keys(NIC_MODELS).map((m) => `nic-${m}`), 'nic-mixed-reversed'],
  );
  for (const c of cells) {
    t.like(c, { firmware: 'bios', path: 'direct' }, c.id);
    t.true(c.hardware !== undefined, c.id);
    t.true(
      ['boot', 'cpus', 'nics', 'watchdog'].every((k) => c.hardware?.checks.includes(k as never)),
      c.id,
    );
  }
  t.deepEqual(
    cells.map((c) => c.hardware?.smp),
    [2, 2, 2, 2, 2, 2, 2, 2, 4, 2],
  );
  const mixed = hw('nic-mixed-reversed');
  t.is(mixed.pciOrder, 'reversed');
  t.is(new Set(mixed.nics).size, 2);
  t.true(mixed.checks.includes('pci-order'));
});

test('the msix check is in exactly the cells with a model that has MSI-X (e1000e, vmxnet3, virtio-net)', (t) => {
  t.deepEqual(
    Object.entries(NIC_MODELS)
      .filter(([, m]) => m.msix)
      .map(([name]) => name),
    ['e1000e', 'vmxnet3', 'virtio-net-pci'],
  );
  for (const c of HARDWARE_CELLS.filter((x) => x.hardware?.leftOut.length === 0))
    t.is(
      c.hardware?.checks.includes('msix'),
      c.hardware?.nics.some((n) => NIC_MODELS[n].msix),
      c.id,
    );
});

test('--nic MODEL: that model alone; an unknown model, or both flags, is a problem naming the choices', (t) => {
  const one = selectHardwareCells({ nic: 'tulip' });
  t.deepEqual(Array.isArray(one) ? one.map((c) => c.id) : one, ['nic-tulip']);
  t.like(selectHardwareCells({ nic: 'igb' }), {
    message: '--nic igb: not a NIC model the matrix boots',
    hint: `one of ${Object.keys(NIC_MODELS).join(', ')} (QEMU -device names)`,
  });
  t.like(selectHardwareCells({ hardware: 'some' }), { message: '--hardware some: must be all or left-out' });
  t.like(selectHardwareCells({ hardware: 'all', nic: 'e1000' }), {
    message: '--hardware all --nic e1000: give one of them',
  });
});

test('hardwareNics: the spec MACs on the cell models, in name order or reversed PCI order', (t) => {
  t.deepEqual(hardwareNics(hw('nic-e1000e'), IFACES), [
    { backend: { kind: 'user' }, model: 'e1000e', mac: '52:54:00:31:00:11' },
    { backend: { kind: 'user' }, model: 'e1000e', mac: '52:54:00:31:01:11' },
  ]);
  const mixed = hw('nic-mixed-reversed');
  t.deepEqual(
    hardwareNics(mixed, IFACES).map((n) => [n.model, n.mac]),
    [
      [mixed.nics[1], '52:54:00:31:01:11'],
      [mixed.nics[0], '52:54:00:31:00:11'],
    ],
  );
  // A third interface takes the cell's last model; no NIC offers PXE (direct boot).
  const three = hardwareNics(hw('nic-tulip'), [...IFACES, { name: 'eth2' }]);
  t.deepEqual(
    three.map((n) => [n.model, n.boot]),
    [
      ['tulip', undefined],
      ['tulip', undefined],
      ['tulip', undefined],
    ],
  );
});

test("hardwareDevices: the i6300ESB is added (the paravirtual cells); q35's own iTCO is not", (t) => {
  t.deepEqual(hardwareDevices(hw('nic-virtio-net-pci')), ['i6300esb']);
  t.deepEqual(hardwareDevices(hw('nic-vmxnet3')), ['i6300esb']);
  t.deepEqual(hardwareDevices(hw('nic-e1000')), []);
  t.like(hw('nic-e1000').watchdog, { driver: 'iTCO_wdt' });
  t.deepEqual(
    HARDWARE_CELLS.map((c) => c.hardware?.watchdog?.driver ?? null),
    [...Array<string>(7).fill('iTCO_wdt'), 'i6300ESB timer', 'i6300ESB timer', 'iTCO_wdt', null],
  );
});

test('hardwareGuest: the direct guest on q35 with the cell -smp, NIC models and watchdog', (t) => {
  const base = {
    name: 'lv1-x',
    direct: { kernel: 'k', initrd: 'i', append: 'a' },
    nics: [],
    machine: 'pc' as const,
  };
  t.deepEqual(hardwareGuest(hw('nic-virtio-net-pci'), base, IFACES), {
    ...base,
    machine: 'q35',
    smp: 4,
    nics: hardwareNics(hw('nic-virtio-net-pci'), IFACES),
    devices: ['i6300esb'],
  });
  t.deepEqual(hardwareGuest(hw('nic-e1000'), base, IFACES).devices, []);
});

test('hardwareExpectation: per interface its model, PCI id, MSI-X and drivers; the CPUs of -smp', (t) => {
  const e = hardwareExpectation(hw('nic-mixed-reversed'), IFACES, (m) => [`drv-${m}`]);
  t.is(e.cpus, 2);
  t.is(e.pciOrder, 'reversed');
  t.is(e.watchdog?.driver, 'iTCO_wdt');
  t.deepEqual(
    e.interfaces.map((i) => [i.name, i.mac, i.model, i.pci, i.msix, i.drivers]),
    hw('nic-mixed-reversed').nics.map((m, i) => [
      IFACES[i]?.name,
      IFACES[i]?.mac,
      m,
      NIC_MODELS[m].pci,
      NIC_MODELS[m].msix,
      [`drv-${m}`],
    ]),
  );
});

test('--hardware left-out: the negative alone, eth0 on a model the image must lack, held to its own checks', (t) => {
  const cells = selectHardwareCells({ hardware: 'left-out' });
  if (!Array.isArray(cells)) return t.fail(cells.message);
  t.deepEqual(
    cells.map((c) => c.id),
    ['nic-left-out'],
  );
  const neg = hw('nic-left-out');
  t.deepEqual(neg.leftOut, ['tulip']);
  // Not `boot`: its ready line, VIP and FAILED checks must fail; `degraded` checks the line /init prints instead.
  t.deepEqual(neg.checks, ['cpus', 'nics', 'degraded']);
  t.deepEqual(hardwareDevices(neg), []);
  const e = hardwareExpectation(neg, IFACES, catalogDriversOf);
  t.deepEqual(
    e.interfaces.map((i) => [i.name, i.model, i.leftOut]),
    [
      ['eth0', 'tulip', true],
      ['eth1', 'e1000', undefined],
    ],
  );
  t.is(e.watchdog, null);
});

test('the negative fixture is the reference director on its kernel, on a site of its own, without dec-tulip', async (t) => {
  const [{ spec: neg }, { spec: ref }] = await Promise.all([
    loadSpec(path.join(ROOT, 'test/fixtures/hardware/left-out.yaml')),
    loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml')),
  ]);
  t.not(neg.name, ref.name);
  t.deepEqual(neg.kernel, ref.kernel);
  const nics = neg.hardware?.nics;
  t.true(
    Array.isArray(nics) && !nics.includes('dec-tulip') && nics.includes('intel-e1000'),
    JSON.stringify(nics),
  );
  t.deepEqual(neg.directors, ref.directors);
  t.deepEqual(neg.realServers, ref.realServers);
});
