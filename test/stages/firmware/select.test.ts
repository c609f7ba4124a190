import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { allDrivers } from '../../../src/hardware/catalog.js';
import { BuildError } from '../../../src/lib/errors.js';
import { moduleFirmware, parseBuiltinModinfo } from '../../../src/stages/firmware/modinfo.js';
import { loadFirmwarePackages, planFirmware } from '../../../src/stages/firmware/packages.js';
import { mergeDeclared, selectFirmware, type ShippedFile } from '../../../src/stages/firmware/select.js';
import { makeSpec } from '../../_helpers/make-spec.js';
import { makeModuleElf } from '../../_helpers/module-elf.js';

const BUILTIN = Buffer.from(
  [
    'e1000e.license=GPL v2',
    'bnx2.firmware=bnx2/bnx2-mips-09-6.2.1b.fw',
    'bnx2.firmware=bnx2/bnx2-rv2p-09-6.0.17.fw',
    'bnx2.firmware=bnx2/bnx2-mips-09-6.2.1b.fw',
    'r8169.firmware=rtl_nic/rtl8168h-2.fw',
    'some-driver.firmware=vendor/not-shipped.bin',
    '',
  ].join('\0'),
);

test('modules.builtin.modinfo: firmware per module, repeats once, dashes read as underscores', (t) => {
  t.deepEqual(
    [...parseBuiltinModinfo(BUILTIN)],
    [
      ['bnx2', ['bnx2/bnx2-mips-09-6.2.1b.fw', 'bnx2/bnx2-rv2p-09-6.0.17.fw']],
      ['r8169', ['rtl_nic/rtl8168h-2.fw']],
      ['some_driver', ['vendor/not-shipped.bin']],
    ],
  );
});

test('a module ELF: the firmware= strings of its .modinfo section; not an ELF is a BuildError', (t) => {
  const elf = makeModuleElf([
    'license=GPL',
    'firmware=tigon/tg3.bin',
    'firmware=tigon/tg3_tso.bin',
    'alias=x',
  ]);
  t.deepEqual(moduleFirmware(elf, 'tg3.ko'), ['tigon/tg3.bin', 'tigon/tg3_tso.bin']);
  t.deepEqual(moduleFirmware(makeModuleElf(['license=GPL']), 'e1000.ko'), []);
  t.throws(
    () => moduleFirmware(Buffer.from('not an elf at all, but long enough to have a header.........'), 'x.ko'),
    {
      instanceOf: BuildError,
      message: /x\.ko: not a little-endian ELF64 kernel module/,
    },
  );
});

const shipped = (names: string[]): Map<string, ShippedFile> =>
  new Map(names.map((n) => [n, { package: 'firmware-x', name: n, path: `/tree/${n}`, size: 10 }]));

test('selection: exactly the declared files the packages ship; the rest is left out with its modules', (t) => {
  const declared = mergeDeclared(parseBuiltinModinfo(BUILTIN), new Map([['tg3', ['tigon/tg3.bin']]]));
  const sel = selectFirmware(
    declared,
    shipped([
      'bnx2/bnx2-mips-09-6.2.1b.fw',
      'bnx2/bnx2-rv2p-09-6.0.17.fw',
      'rtl_nic/rtl8168h-2.fw',
      'bnx2x/unused.fw',
    ]),
  );
  t.deepEqual(
    sel.files.map((f) => [f.name, f.modules]),
    [
      ['bnx2/bnx2-mips-09-6.2.1b.fw', ['bnx2']],
      ['bnx2/bnx2-rv2p-09-6.0.17.fw', ['bnx2']],
      ['rtl_nic/rtl8168h-2.fw', ['r8169']],
    ],
  );
  t.deepEqual(sel.leftOut, [
    { name: 'tigon/tg3.bin', modules: ['tg3'] },
    { name: 'vendor/not-shipped.bin', modules: ['some_driver'] },
  ]);
  t.deepEqual(selectFirmware(new Map(), shipped(['a'])), { files: [], leftOut: [] });
});

test('every firmware package the catalog names is in hardware/firmware-packages.json as a NIC package', (t) => {
  const table = loadFirmwarePackages().packages;
  const named = [
    ...new Set(allDrivers().flatMap((d) => (d.firmwarePackage !== null ? [d.firmwarePackage] : []))),
  ];
  t.true(named.length >= 4);
  for (const p of named) t.is(table[p]?.role, 'nic', p);
  t.deepEqual(
    Object.entries(table)
      .filter(([, v]) => v.role === 'microcode')
      .map(([k]) => k),
    ['intel-microcode', 'amd64-microcode'],
  );
});

test('the firmware plan: packages of the drivers; none names the NICs that go down or degrade', (t) => {
  const spec = makeSpec();
  const plan = planFirmware(spec);
  t.deepEqual(plan.nic, ['firmware-bnx2', 'firmware-bnx2x', 'firmware-misc-nonfree', 'firmware-realtek']);
  t.deepEqual(plan.microcode, ['intel-microcode', 'amd64-microcode']);
  t.deepEqual(plan.withoutFirmware, []);
  const none = planFirmware(makeSpec({ hardware: { firmware: 'none' } }));
  t.deepEqual([none.nic, none.microcode], [[], []], 'microcode is non-free too');
  const effects = Object.fromEntries(none.withoutFirmware.map((w) => [w.module, w.effect]));
  t.like(effects, { bnx2: 'down', bnx2x: 'down', r8169: 'degraded', tg3: 'degraded', ice: 'degraded' });
  t.deepEqual(planFirmware(makeSpec({ hardware: { microcode: false } })).microcode, []);
  t.is(plan.microcodeCpus, 'all');
  const epyc = planFirmware(makeSpec({ hardware: { microcode: [{ vendor: 'amd', family: 25 }] } }));
  t.deepEqual([epyc.microcode, epyc.microcodeCpus], [['amd64-microcode'], [{ vendor: 'amd', family: 25 }]]);
  const minimal = makeSpec({
    kernel: { ...spec.kernel, profile: 'minimal' },
    hardware: { nics: ['realtek-r8169'] },
  });
  t.deepEqual(planFirmware(minimal).nic, ['firmware-realtek']);
  // The site kernel has every default driver as a module; the image carries the selection's, and their firmware only.
  const short = makeSpec({ hardware: { nics: ['realtek-r8169', 'virtio'] } });
  t.deepEqual(planFirmware(short).nic, ['firmware-realtek']);
  const old = makeSpec({ kernel: { ...spec.kernel, version: '2.6.16.27' } });
  t.deepEqual(
    planFirmware(old),
    { nic: [], microcode: [], microcodeCpus: 'all', withoutFirmware: [] },
    'no catalog before 6.1',
  );
});

// Real data: Debian's stock kernel (installed for the prebuilt path) and the site kernel in the build cache.
const debianModules = existsSync('/lib/modules')
  ? readdirSync('/lib/modules').map((r) => path.join('/lib/modules', r))
  : [];
const bnx2 = debianModules
  .map((d) => path.join(d, 'kernel/drivers/net/ethernet/broadcom/bnx2.ko'))
  .find(existsSync);

test('Debian 6.1 bnx2.ko declares exactly the catalog firmware of bnx2', (t) => {
  if (bnx2 === undefined) return t.pass('no Debian kernel modules here');
  const catalog = allDrivers().find((d) => d.module === 'bnx2')?.firmware ?? [];
  t.deepEqual(moduleFirmware(readFileSync(bnx2), bnx2).sort(), [...catalog].sort());
});

test('every catalog driver Debian 6.1 builds as a module declares exactly the catalog firmware', (t) => {
  const root = debianModules[0];
  if (root === undefined) return t.pass('no Debian kernel modules here');
  const index = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ko')) index.set(e.name.slice(0, -3).replace(/-/g, '_'), p);
    }
  };
  walk(path.join(root, 'kernel/drivers/net'));
  const checked = allDrivers().filter((d) => index.has(d.module.replace(/-/g, '_')));
  t.true(checked.length >= 20, `${checked.length} catalog modules found`);
  for (const d of checked) {
    const ko = index.get(d.module.replace(/-/g, '_')) ?? '';
    t.deepEqual(moduleFirmware(readFileSync(ko), ko).sort(), [...d.firmware].sort(), d.module);
  }
});
