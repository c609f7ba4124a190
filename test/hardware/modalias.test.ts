import test from 'ava';
import {
  matchPciAlias,
  type AliasMatch,
  parsePciAlias,
  pciModalias,
  type PciIdentity,
} from '../../src/hardware/modalias.js';

const X710: PciIdentity = { vendor: '8086', device: '1572', classCode: '0200' };

test('parsePciAlias reads each field, * as undefined', (t) => {
  t.deepEqual(parsePciAlias('pci:v00008086d00001572sv*sd*bc*sc*i*'), { vendor: '8086', device: '1572' });
  t.deepEqual(parsePciAlias('pci:v00008086d00001229sv*sd*bc02sc00i*'), {
    vendor: '8086',
    device: '1229',
    baseClass: '02',
    subClass: '00',
  });
  t.deepEqual(parsePciAlias('pci:v*d00008139sv000010ECsd00008139bc*sc*i*'), {
    device: '8139',
    subvendor: '10ec',
    subdevice: '8139',
  });
});

test('parsePciAlias refuses what file2alias never writes', (t) => {
  t.is(parsePciAlias('pci:v00008086d0000157*sv*sd*bc*sc*i*'), undefined);
  t.is(parsePciAlias('virtio:d00000001v*'), undefined);
  t.is(parsePciAlias('pci:v8086d1572sv*sd*bc*sc*i*'), undefined);
});

test('pciModalias spells the device as sysfs does, * where lspci showed nothing', (t) => {
  t.is(pciModalias(X710), 'pci:v00008086d00001572sv*sd*bc02sc00i00');
  t.is(
    pciModalias({ ...X710, subvendor: '8086', subdevice: '0007' }),
    'pci:v00008086d00001572sv00008086sd00000007bc02sc00i00',
  );
});

const cases: [string, PciIdentity, AliasMatch][] = [
  ['pci:v00008086d00001572sv*sd*bc*sc*i*', X710, 'match'],
  ['pci:v00008086d00001583sv*sd*bc*sc*i*', X710, 'no'],
  ['pci:v00001AF4d*sv*sd*bc*sc*i*', { vendor: '1af4', device: '1000', classCode: '0200' }, 'match'],
  ['pci:v00008086d00001229sv*sd*bc02sc00i*', { vendor: '8086', device: '1229', classCode: '0200' }, 'match'],
  ['pci:v00008086d00001229sv*sd*bc02sc00i*', { vendor: '8086', device: '1229', classCode: '0280' }, 'no'],
  ['pci:v00001023d00002000sv*sd*bc02sc00i*', { vendor: '1023', device: '2000', classCode: '0300' }, 'no'],
  // a subsystem rule on a device whose subsystem lspci -nn did not print
  [
    'pci:v000014E4d00001692sv00001025sd00000612bc*sc*i*',
    { vendor: '14e4', device: '1692', classCode: '0200' },
    'unknown',
  ],
  [
    'pci:v000014E4d00001692sv00001025sd00000612bc*sc*i*',
    { vendor: '14e4', device: '1692', subvendor: '1025', subdevice: '0601', classCode: '0200' },
    'no',
  ],
  [
    'pci:v*d00008139sv000010ECsd00008139bc*sc*i*',
    { vendor: '10ec', device: '8139', subvendor: '10ec', subdevice: '8139', classCode: '0200' },
    'match',
  ],
];
for (const [alias, id, want] of cases)
  test(`matchPciAlias ${alias} on ${id.vendor}:${id.device} ${id.classCode} -> ${want}`, (t) => {
    const rule = parsePciAlias(alias);
    t.truthy(rule);
    t.is(matchPciAlias(rule!, id), want);
  });
