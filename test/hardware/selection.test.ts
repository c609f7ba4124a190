import test from 'ava';
import { driversOf, familiesOf } from '../../src/hardware/catalog.js';
import {
  hardwareApplies,
  imageNicModules,
  kernelNicFamilies,
  prebuiltPlatformModules,
  serialPortCount,
} from '../../src/hardware/selection.js';
import { coldplugModules } from '../../src/plan-modules.js';
import { planCmdline } from '../../src/director/resolve.js';
import { checkRules } from '../../src/spec/rules.js';
import { consolesExist, nicFamiliesKnown } from '../../src/spec/rules/hardware.js';
import { makeSpec } from '../_helpers/make-spec.js';

test('profile full carries the default set whatever the spec selects; minimal carries the selection', (t) => {
  const all = familiesOf('default');
  t.deepEqual(kernelNicFamilies(makeSpec()), all);
  t.deepEqual(kernelNicFamilies(makeSpec({ hardware: { nics: ['virtio'] } })), all);
  t.deepEqual(
    kernelNicFamilies(
      makeSpec({ kernel: { profile: 'minimal' }, hardware: { nics: ['virtio', 'intel-e1000e'] } }),
    ),
    ['virtio', 'intel-e1000e'],
  );
});

test('the image carries the selection’s modules: those not built in, or all of them for a prebuilt kernel', (t) => {
  const nics = ['virtio', 'intel-e1000e', 'mellanox-mlx5'];
  const drivers = driversOf(nics);
  t.deepEqual(
    imageNicModules(makeSpec({ hardware: { nics } })),
    drivers.filter((d) => !d.builtIn).map((d) => d.module),
  );
  t.deepEqual(
    imageNicModules(
      makeSpec({ kernel: { source: undefined, prebuilt: { vmlinuz: '/vmlinuz' } }, hardware: { nics } }),
    ),
    ['virtio_pci', 'virtio_net', 'e1000e', 'mlx5_core'],
  );
});

test('a prebuilt kernel also coldplugs its watchdog modules (lpc_ich makes the iTCO device); not with watchdog: false', (t) => {
  const prebuilt = { source: undefined, prebuilt: { vmlinuz: '/vmlinuz' } };
  const spec = makeSpec({ kernel: prebuilt, hardware: { nics: ['virtio'] } });
  t.deepEqual(prebuiltPlatformModules(spec), [
    { module: 'lpc_ich', symbol: 'LPC_ICH', group: 'watchdog' },
    { module: 'iTCO_wdt', symbol: 'ITCO_WDT', group: 'watchdog' },
    { module: 'i6300esb', symbol: 'I6300ESB_WDT', group: 'watchdog' },
  ]);
  t.deepEqual(coldplugModules(spec), ['virtio_pci', 'virtio_net', 'lpc_ich', 'iTCO_wdt', 'i6300esb']);
  const off = makeSpec({ kernel: prebuilt, hardware: { nics: ['virtio'], watchdog: false } });
  t.deepEqual(coldplugModules(off), ['virtio_pci', 'virtio_net']);
  t.deepEqual(
    prebuiltPlatformModules(makeSpec({ hardware: { nics: ['virtio'] } })),
    [],
    'the site kernel has them built in',
  );
});

test('the catalog holds from 6.1 on; older kernels keep 4 UARTs and refuse hardware.nics', (t) => {
  t.true(hardwareApplies('6.1'));
  t.true(hardwareApplies('6.6.30'));
  t.false(hardwareApplies('4.19'));
  t.is(serialPortCount('6.1'), 8);
  t.is(serialPortCount('2.6.16.27'), 4);
  t.deepEqual(nicFamiliesKnown(makeSpec({ kernel: { version: '4.19' } })), []);
  t.deepEqual(
    nicFamiliesKnown(makeSpec({ kernel: { version: '4.19' }, hardware: { nics: 'default' } })).map(
      (p) => p.pointer,
    ),
    ['/hardware/nics'],
  );
  t.deepEqual(
    consolesExist(makeSpec({ kernel: { version: '4.19' }, image: { console: 'ttyS5,115200' } })).map(
      (p) => p.message,
    ),
    ['"ttyS5,115200": kernel 4.19 as lvs-image configures it registers 4 serial ports (ttyS0..ttyS3)'],
  );
});

test('consoles: a list is valid and becomes console= words in spec order, before the spec’s own words', (t) => {
  const spec = makeSpec({
    image: { console: ['tty0', 'ttyS1,115200n8'], cmdline: ['lvs.shell=0'] },
    hardware: { nics: ['intel-e1000e', 'intel-igb'] },
  });
  t.deepEqual(checkRules(spec, [nicFamiliesKnown, consolesExist]), []);
  t.is(planCmdline(spec), 'console=tty0 console=ttyS1,115200n8 lvs.shell=0');
  t.is(planCmdline(makeSpec({ image: { console: 'ttyS0,115200' } })), 'console=ttyS0,115200');
  t.deepEqual(consolesExist(makeSpec({ image: { console: 'ttyS7' } })), []);
});
