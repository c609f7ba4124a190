import test from 'ava';
import { parseLspci } from '../../src/hardware/lspci.js';
import { matchNics, type ImageNics } from '../../src/hardware/match.js';
import { pciRules } from '../../src/hardware/pci-ids.js';
import { renderNicTable } from '../../src/hardware/report-text.js';

const image: ImageNics = {
  firmwareIncluded: true,
  catalogApplies: true,
  drivers: ['8139cp', '8139too'].map((module) => ({
    module,
    family: 'realtek-8139',
    carried: 'built-in',
    firmware: [],
    firmwarePackage: null,
    withoutFirmware: 'works',
  })),
};

test('the table names both drivers a PCI id matches, and the one the machine used when lspci -k says so', (t) => {
  const { devices } = parseLspci(
    '00:03.0 Ethernet controller [0200]: Realtek Semiconductor Co., Ltd. RTL-8100/8101L/8139 PCI Fast Ethernet Adapter [10ec:8139] (rev 10)\n' +
      '\tKernel driver in use: 8139too\n',
  );
  const text = renderNicTable('x.lspci', devices.length, matchNics(devices, pciRules(), image), []);
  t.is(
    text.split('\n')[2],
    '  00:03.0  10ec:8139  Realtek Semiconductor Co., Ltd. RTL-8100/8101L/8139 PCI Fast Ethernet Adapter  8139cp (realtek-8139, built in) or 8139too [the machine uses 8139too]  driven',
  );
  t.is(text.split('\n')[0], 'x.lspci: 1 PCI function, 1 network controller, 1 of them driven by the image');
});
