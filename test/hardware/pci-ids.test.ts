import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { derivePciIds, parsePciIds } from '../../hardware/derive-pci-ids.js';
import { allDrivers } from '../../src/hardware/catalog.js';
import { parsePciAlias } from '../../src/hardware/modalias.js';
import { formatPciIds, loadPciIds, pciRules } from '../../src/hardware/pci-ids.js';

const data = loadPciIds();
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

test('every catalog module has its modalias rules, and nothing else is in the file', (t) => {
  const modules = allDrivers().map((d) => d.module);
  t.deepEqual(Object.keys(data.modules).sort(), [...modules].sort());
  for (const module of modules) {
    const entry = data.modules[module]!;
    t.true(entry.pci.length > 0 || (entry.bus ?? []).length > 0, `${module} has no alias`);
  }
  // hv_netvsc is the only one lspci can never show: a VMBus device
  t.deepEqual(
    modules.filter((m) => data.modules[m]!.pci.length === 0),
    ['hv_netvsc'],
  );
  t.deepEqual(data.modules.hv_netvsc!.bus, ['vmbus:635161f83edfc546913ff2d2f965ed0e']);
});

test('every PCI rule parses, names a vendor the vendors table has, and most name a device', (t) => {
  const rules = pciRules();
  t.true(rules.length > 500);
  for (const r of rules) {
    t.truthy(parsePciAlias(r.alias), r.alias);
    if (r.rule.vendor !== undefined) t.truthy(data.vendors[r.rule.vendor], r.alias);
  }
  t.true(rules.filter((r) => r.name !== undefined).length / rules.length > 0.85);
  t.regex(data.derivedFrom.kernel ?? '', /^6\.1\.\d+-\d+-amd64 \(Debian linux-image-/);
});

test('the file is formatted as the derive script writes it', (t) => {
  t.is(readFileSync('hardware/pci-ids.json', 'utf8'), formatPciIds(data));
});

// The recorded inputs: the alias part re-derives wherever that Debian kernel is installed (here and in CI, which
// installs linux-image-amd64); the names where that pci.ids is (/usr/share/misc/pci.ids, package pci.ids).
const aliasFile = data.derivedFrom.modulesAlias!;
const sameKernel = existsSync(aliasFile) && sha256(aliasFile) === data.derivedFrom.modulesAliasSha256;
(sameKernel ? test : test.skip)(
  'the rules are what the derive script gives from the recorded modules.alias',
  (t) => {
    const modules = Object.keys(data.modules);
    const again = derivePciIds(modules, readFileSync(aliasFile, 'utf8'), '', data.derivedFrom);
    const strip = (d: typeof data): unknown =>
      Object.fromEntries(
        Object.entries(d.modules).map(([m, e]) => [m, { ...e, pci: e.pci.map((a) => a.alias) }]),
      );
    t.deepEqual(strip(again), strip(data));
  },
);

const pciIdsFile = '/usr/share/misc/pci.ids';
const samePciIds = existsSync(pciIdsFile) && sha256(pciIdsFile) === data.derivedFrom.pciIdsSha256;
(samePciIds && sameKernel ? test : test.skip)('the names are what the recorded pci.ids gives', (t) => {
  const again = derivePciIds(
    Object.keys(data.modules),
    readFileSync(aliasFile, 'utf8'),
    readFileSync(pciIdsFile, 'utf8'),
    data.derivedFrom,
  );
  t.deepEqual(again, data);
});

test('parsePciIds reads vendors, devices and subsystems, and stops at the class list', (t) => {
  const names = parsePciIds(
    [
      '# comment',
      '8086  Intel Corporation',
      '\t1572  Ethernet Controller X710 for 10GbE SFP+',
      '\t\t8086 0007  Ethernet Converged Network Adapter X710-2',
      'C 02  Network controller',
      '\t00  Ethernet controller',
    ].join('\n'),
  );
  t.deepEqual(Object.fromEntries(names), {
    '8086': 'Intel Corporation',
    '8086:1572': 'Ethernet Controller X710 for 10GbE SFP+',
    '8086:1572 8086:0007': 'Ethernet Converged Network Adapter X710-2',
  });
});

test('derivePciIds keeps only PCI rules, follows VIA, and refuses a module without aliases', (t) => {
  const aliases = [
    'alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci',
    'alias virtio:d00000001v* virtio_net',
    'alias pci:v00008086d00001572sv*sd*bc*sc*i* i40e',
    'alias i40evf iavf',
    'alias pci:v00008086d0000154Csv*sd*bc*sc*i* iavf',
  ].join('\n');
  const ids =
    '1af4  Red Hat, Inc.\n8086  Intel Corporation\n\t1572  Ethernet Controller X710 for 10GbE SFP+\n';
  const d = derivePciIds(['i40e', 'iavf', 'virtio_net'], aliases, ids, {});
  t.deepEqual(d.modules, {
    i40e: {
      pci: [
        { alias: 'pci:v00008086d00001572sv*sd*bc*sc*i*', name: 'Ethernet Controller X710 for 10GbE SFP+' },
      ],
    },
    iavf: { pci: [{ alias: 'pci:v00008086d0000154Csv*sd*bc*sc*i*' }] },
    virtio_net: {
      via: 'virtio_pci',
      pci: [{ alias: 'pci:v00001AF4d*sv*sd*bc*sc*i*' }],
      bus: ['virtio:d00000001v*'],
    },
  });
  t.deepEqual(d.vendors, { '1af4': 'Red Hat, Inc.', '8086': 'Intel Corporation' });
  t.throws(() => derivePciIds(['sfc'], aliases, ids, {}), { message: /sfc: no alias/ });
});
