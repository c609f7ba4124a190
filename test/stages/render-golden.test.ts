/**
 * Golden files: every rendered file of every spec in images/, under test/fixtures/golden/render/<spec>/ in the
 * layout `lvs-image render` writes (the fixed /init and boot steps are compared with their source instead).
 * Regenerate with UPDATE_GOLDEN=1 after an intended change.
 */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { DEFAULT_TEMPLATES_DIR, renderSite } from '../../src/stages/render.js';
import { ROOT } from '../_helpers/cli.js';

const IMAGES = path.join(ROOT, 'images');
const GOLDEN = path.join(ROOT, 'test/fixtures/golden/render');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
/**
 * The fixed files of a director root (/init, its boot steps and the PCI ids, copied as they are): held to their source in
 * templates/director, not to a golden copy per director.
 */
const FIXED = /^[^/]+\/rootfs\/(init|lib\/lvs\/[^/]+|etc\/lvs\/pci-ids)$/;

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

const specs = readdirSync(IMAGES)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

test('images/ holds the reference spec', (t) => {
  t.true(specs.includes('dsas-lv1.yaml'));
});

for (const specFile of specs) {
  const name = specFile.replace(/\.(ya?ml|json)$/, '');
  test(`golden: every rendered file of images/${specFile}`, async (t) => {
    const { spec } = await loadSpec(path.join(IMAGES, specFile));
    const all = renderSite(spec);
    for (const f of all.filter((x) => FIXED.test(x.relPath))) {
      const source = path.join(DEFAULT_TEMPLATES_DIR, 'director', f.relPath.replace(/^[^/]+\/rootfs\//, ''));
      t.is(f.content, readFileSync(source, 'utf8'), `${name}/${f.relPath} is not its fixed source`);
    }
    const files = all.filter((x) => !FIXED.test(x.relPath));
    const dir = path.join(GOLDEN, name);
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      for (const f of files) {
        mkdirSync(path.dirname(path.join(dir, f.relPath)), { recursive: true });
        writeFileSync(path.join(dir, f.relPath), f.content);
      }
    }
    t.deepEqual(
      listFiles(dir).sort(),
      files.map((f) => f.relPath).sort(),
      'rendered file set differs (UPDATE_GOLDEN=1 regenerates)',
    );
    for (const f of files) {
      const golden = path.join(dir, f.relPath);
      t.is(
        f.content,
        existsSync(golden) ? readFileSync(golden, 'utf8') : '',
        `${name}/${f.relPath} differs from its golden file`,
      );
    }
  });
}

test('dsas-lv1: ipvsadm.rules is the measured `ipvsadm -Sn` listing, byte for byte', async (t) => {
  const { spec } = await loadSpec(path.join(IMAGES, 'dsas-lv1.yaml'));
  const rules = renderSite(spec).find((f) => f.relPath === 'lv1/rootfs/etc/ipvsadm.rules');
  t.is(
    rules?.content,
    '-A -t 10.10.31.100:80 -s lc\n' +
      '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1\n' +
      '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 1\n',
  );
});
