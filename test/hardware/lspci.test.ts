import test from 'ava';
import { readFileSync } from 'node:fs';
import { isNetworkController, parseLspci } from '../../src/hardware/lspci.js';

const fixture = (name: string): string => readFileSync(`test/fixtures/lspci/${name}.lspci`, 'utf8');

test('parseLspci reads lspci -nn lines: slot, class, ids, revision, prog-if', (t) => {
  const { devices, unparsed } = parseLspci(fixture('dell-r640'));
  t.deepEqual(unparsed, []);
  t.is(devices.length, 30);
  const x710 = devices.find((d) => d.slot === '87:00.0')!;
  t.like(x710, {
    className: 'Ethernet controller',
    classCode: '0200',
    vendor: '8086',
    device: '1572',
    revision: '02',
    name: 'Intel Corporation Ethernet Controller X710 for 10GbE SFP+',
    line: 29,
  });
  t.is(x710.subvendor, undefined);
  t.is(devices.find((d) => d.slot === '00:14.0')!.progIf, '30');
  t.is(devices.filter(isNetworkController).length, 8);
});

test('parseLspci reads lspci -nnk detail lines: subsystem, driver in use, modules', (t) => {
  const { devices, unparsed } = parseLspci(fixture('hpe-dl360-gen9'));
  t.deepEqual(unparsed, []);
  t.like(
    devices.find((d) => d.slot === '04:00.1'),
    {
      subvendor: '103c',
      subdevice: '1930',
      subsystemName: 'Hewlett-Packard Company FlexFabric 10Gb 2-port 534FLR-SFP+ Adapter',
      driverInUse: 'bnx2x',
      kernelModules: ['bnx2x'],
    },
  );
  t.deepEqual(devices.find((d) => d.slot === '00:1a.0')!.kernelModules, ['ehci_pci']);
});

test('parseLspci keeps PCI domains and counts 0280 (wireless) as a network controller', (t) => {
  const azure = parseLspci(fixture('hyperv-azure')).devices;
  t.deepEqual(
    azure.filter(isNetworkController).map((d) => d.slot),
    ['0001:00:02.0'],
  );
  const desktop = parseLspci(fixture('desktop-z690')).devices;
  t.deepEqual(
    desktop.filter(isNetworkController).map((d) => `${d.slot} ${d.classCode}`),
    ['02:00.0 0200', '03:00.0 0280', '04:00.0 0200'],
  );
});

test('parseLspci names the lines that are not lspci -nn output (plain lspci has no [vendor:device])', (t) => {
  const { devices, unparsed } = parseLspci(
    '00:00.0 Host bridge: Intel Corporation 440FX - 82441FX PMC [Natoma] (rev 02)\n' +
      '00:03.0 Ethernet controller [0200]: Intel Corporation 82540EM Gigabit Ethernet Controller [8086:100e] (rev 03)\r\n',
  );
  t.deepEqual(unparsed, [
    { line: 1, text: '00:00.0 Host bridge: Intel Corporation 440FX - 82441FX PMC [Natoma] (rev 02)' },
  ]);
  t.like(devices[0], { vendor: '8086', device: '100e', revision: '03', line: 2 });
});
