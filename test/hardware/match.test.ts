import test from 'ava';
import { readFileSync } from 'node:fs';
import { allDrivers } from '../../src/hardware/catalog.js';
import { dumpNotes } from '../../src/hardware/dump-notes.js';
import { parseLspci } from '../../src/hardware/lspci.js';
import { matchNics, type ImageNics } from '../../src/hardware/match.js';
import { loadPciIds, pciRules } from '../../src/hardware/pci-ids.js';

const rules = pciRules();
const bus = Object.fromEntries(Object.entries(loadPciIds().modules).map(([m, e]) => [m, e.bus ?? []]));

/** Every catalog driver as the default set has it, minus the families left out. */
function image(firmwareIncluded: boolean, without: string[] = []): ImageNics {
  return {
    firmwareIncluded,
    drivers: allDrivers().map((d) => ({
      module: d.module,
      family: d.family,
      carried: without.includes(d.family) ? 'absent' : d.builtIn ? 'built-in' : 'module',
      firmware: d.firmware,
      firmwarePackage: d.firmwarePackage,
      withoutFirmware: d.withoutFirmware,
    })),
  };
}
const devices = (name: string) =>
  parseLspci(readFileSync(`test/fixtures/lspci/${name}.lspci`, 'utf8')).devices;
const summary = (name: string, img: ImageNics): string[] =>
  matchNics(devices(name), rules, img).map(
    (m) => `${m.slot} ${m.pciId} ${m.driver?.module ?? '-'} ${m.status}`,
  );

test('the 1U servers: every NIC has its catalog driver, the firmware decides tg3, bnx2x', (t) => {
  t.deepEqual(summary('dell-r640', image(true)), [
    '01:00.0 14e4:165f tg3 driven',
    '01:00.1 14e4:165f tg3 driven',
    '3b:00.0 14e4:16d8 bnxt_en driven',
    '3b:00.1 14e4:16d8 bnxt_en driven',
    '5e:00.0 15b3:1017 mlx5_core driven',
    '5e:00.1 15b3:1017 mlx5_core driven',
    '87:00.0 8086:1572 i40e driven',
    '87:00.1 8086:1572 i40e driven',
  ]);
  const hpe = matchNics(devices('hpe-dl360-gen9'), rules, image(false));
  t.deepEqual(
    hpe.map((m) => `${m.pciId} ${m.driver?.module ?? '-'} ${m.status} ${m.driverInUse ?? '-'}`),
    [
      ...Array<string>(4).fill('14e4:1657 103c:22be tg3 degraded tg3'),
      ...Array<string>(2).fill('14e4:168e 103c:1930 bnx2x down bnx2x'),
      ...Array<string>(2).fill('8086:10fb 103c:17d3 ixgbe driven ixgbe'),
      ...Array<string>(2).fill('8086:1521 103c:339e igb driven igb'),
    ],
  );
  t.regex(
    hpe[4]!.fixes.join('\n'),
    /^enable non-free firmware \(firmware-bnx2x\): without it bnx2x cannot bring the link up$/,
  );
  t.like(hpe[4]!.firmware, { package: 'firmware-bnx2x', included: false, without: 'down' });
});

test('a NIC the catalog does not know names its PCI ids and the fix', (t) => {
  const sm = matchNics(devices('supermicro-x11dpu'), rules, image(true));
  t.deepEqual(
    sm.map((m) => `${m.pciId} ${m.status}`),
    ['1924:0a03 unknown', '1924:0a03 unknown', '8086:37d2 driven', '8086:37d2 driven'],
  );
  t.deepEqual(sm[0]!.fixes, [
    'the catalog has no family for 1924:0a03: add one to hardware/nics.json, or use a NIC the catalog knows',
  ]);
  t.is(sm[0]!.modalias, 'pci:v00001924d00000A03sv*sd*bc02sc00i00');
  // lspci -k names the driver the machine's own kernel used
  const desktop = matchNics(devices('desktop-z690'), rules, image(false));
  t.deepEqual(
    desktop.map((m) => `${m.pciId} ${m.driver?.module ?? '-'} ${m.status}`),
    ['8086:15f3 8086:0003 igc driven', '8086:2723 8086:0084 - unknown', '10ec:8168 7470:3468 r8169 degraded'],
  );
  t.regex(desktop[1]!.fixes[0]!, /the machine's kernel drives it with iwlwifi/);
});

test('a family the spec leaves out: not carried, with the family to add', (t) => {
  const m = matchNics(devices('dell-r640'), rules, image(true, ['broadcom-bnxt']));
  t.like(m[2], { status: 'not-carried', fixes: ['add family broadcom-bnxt to hardware.nics'] });
  t.like(m[2]!.driver, { module: 'bnxt_en', family: 'broadcom-bnxt', carried: 'absent' });
});

test('VMs: vmxnet3 and the e1000 adapter of VMware; Hyper-V NICs are VMBus, not PCI, and lspci shows none', (t) => {
  t.deepEqual(summary('vmware-esxi', image(true)), [
    '02:01.0 8086:100f e1000 driven',
    '0b:00.0 15ad:07b0 vmxnet3 driven',
    '13:00.0 15ad:07b0 vmxnet3 driven',
  ]);
  t.deepEqual(summary('hyperv-azure', image(true)), ['0001:00:02.0 15b3:1016 mlx5_core driven']);
  const notes = dumpNotes(devices('hyperv-azure'), bus, image(true));
  t.is(notes.length, 1);
  t.regex(
    notes[0]!.note,
    /^Hyper-V guest .*vmbus devices \(hv_netvsc\), which lspci never lists.*the image has hv_netvsc: built-in$/,
  );
  t.deepEqual(
    dumpNotes(devices('hyperv-azure'), bus, image(true, ['hyperv-netvsc']))[0]!.fix,
    'add family hyperv-netvsc to hardware.nics',
  );
  t.deepEqual(dumpNotes(devices('vmware-esxi'), bus, image(true)), []);
  t.regex(dumpNotes([], bus, image(true))[0]!.note, /no PCI device.*generation 2/);
});

// The QEMU 7.2 models' ids (../shared/reference/hardware.md §3) must reach the catalog driver that names the model.
const QEMU: [string, string, string[]][] = [
  ['e1000', '8086:100e', ['e1000']],
  ['e1000-82544gc', '8086:100c', ['e1000']],
  ['e1000-82545em', '8086:100f', ['e1000']],
  ['e1000e', '8086:10d3', ['e1000e']],
  ['i82550', '8086:1209', ['e100']],
  ['i82557b', '8086:1229', ['e100']],
  ['i82801', '8086:2449', ['e100']],
  ['rtl8139', '10ec:8139', ['8139cp', '8139too']],
  ['pcnet', '1022:2000', ['pcnet32']],
  ['ne2k_pci', '10ec:8029', ['ne2k-pci']],
  ['tulip', '1011:0019', ['tulip']],
  ['vmxnet3', '15ad:07b0', ['vmxnet3']],
  ['virtio-net-pci', '1af4:1000', ['virtio_net']],
];
for (const [model, id, modules] of QEMU)
  test(`QEMU ${model} (${id}) matches ${modules.join(' and ')}`, (t) => {
    const [vendor, device] = id.split(':') as [string, string];
    const [m] = matchNics(
      [
        {
          slot: '00:03.0',
          className: 'Ethernet controller',
          classCode: '0200',
          name: model,
          vendor,
          device,
          line: 1,
        },
      ],
      rules,
      image(true),
    );
    t.deepEqual(
      m!.candidates.map((c) => c.module),
      modules,
    );
    t.true(m!.candidates.every((c) => c.certain));
    if (model === 'virtio-net-pci') t.is(m!.driver!.via, 'virtio_pci');
  });
