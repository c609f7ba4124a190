/**
 * /etc/lvs/pci-ids: the fixed file shipped in templates/director is what formatPciIdsFile derives from
 * hardware/pci-ids.json and the NIC catalog (UPDATE_GOLDEN=1 regenerates it), and links.sh finds devices in it.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nicFamilyNames } from '../../src/hardware/catalog.js';
import { formatPciIdsFile } from '../../src/runtime/pci-ids-file.js';
import { DEFAULT_TEMPLATES_DIR } from '../../src/stages/render.js';

const FILE = path.join(DEFAULT_TEMPLATES_DIR, 'director/etc/lvs/pci-ids');

test('templates/director/etc/lvs/pci-ids is derived from hardware/pci-ids.json and up to date', (t) => {
  const want = formatPciIdsFile();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(FILE, want);
  t.is(readFileSync(FILE, 'utf8'), want, 'run UPDATE_GOLDEN=1 npx ava test/runtime/pci-ids-file.test.ts');
});

test('each line: a vendor:device id once, a catalog family, its module, a name', (t) => {
  const lines = readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  t.true(lines.length > 500, String(lines.length));
  const families = new Set(nicFamilyNames());
  const ids = lines.map((l) => l.split(' ')[0]);
  t.is(new Set(ids).size, ids.length);
  for (const l of lines) {
    const [id = '', family = '', module = '', ...name] = l.split(' ');
    t.regex(id, /^[0-9a-f]{4}:(?:[0-9a-f]{4}|\*)$/, l);
    t.true(families.has(family), l);
    t.regex(module, /^[a-z0-9_-]+$/, l);
    t.true(name.length > 0, l);
  }
  t.true(lines.includes('8086:10d3 intel-e1000e e1000e Intel Corporation 82574L Gigabit Network Connection'));
});

test('links.sh names a device from the shipped file: an exact id, and a vendor-wide rule (virtio)', (t) => {
  const links = readFileSync(
    path.join(DEFAULT_TEMPLATES_DIR, 'director/lib/lvs/links.sh'),
    'utf8',
  ).replaceAll('/etc/lvs/pci-ids', FILE);
  const name = (id: string): string =>
    spawnSync('busybox', ['sh', '-c', `${links}\npci_name ${id}`], { encoding: 'utf8' }).stdout;
  t.is(
    name('14e4:1657'),
    'Broadcom Inc. and subsidiaries NetXtreme BCM5719 Gigabit Ethernet PCIe (catalog family broadcom-tg3, module tg3)\n',
  );
  t.is(name('1af4:1041'), 'Red Hat, Inc. (no pci.ids name) (catalog family virtio, module virtio_net)\n');
  t.is(name('dead:beef'), '(not in the NIC catalog: no driver lvs-image knows)\n');
});
