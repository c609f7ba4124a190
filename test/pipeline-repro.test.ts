/** Two builds of the same inputs in different folders give byte-identical images (LinuxKit 010_reproducible). */
import { readFileSync, copyFileSync, mkdtempSync, rmSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from './_helpers/cli.js';
import { integrationTest } from './_helpers/integration.js';

integrationTest(
  'two builds in different folders: identical initrd, manifest and SHA256SUMS',
  ['make', 'gcc'],
  (t) => {
    const dirs = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), 'lvs-repro-')));
    t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    for (const dir of dirs) {
      copyFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), path.join(dir, 'dsas-lv1.yaml'));
      copyFileSync(path.join(ROOT, 'images/dsas-lv1.lock'), path.join(dir, 'dsas-lv1.lock'));
      const r = runCli(['build', path.join(dir, 'dsas-lv1.yaml'), '--out', path.join(dir, 'out')], {
        timeoutMs: 20 * 60_000,
      });
      t.is(r.status, 0, r.stderr);
    }
    const read = (dir: string, rel: string): Buffer => readFileSync(path.join(dir, 'out/dsas', rel));
    const [a, b] = dirs as [string, string];
    for (const rel of ['lv1/lv1-initrd.img', 'lv1/manifest.json', 'lv1/lv1-kernel', 'SHA256SUMS']) {
      t.true(read(a, rel).equals(read(b, rel)), `${rel} differs between the two builds`);
    }
    t.is(readlinkSync(path.join(a, 'out/dsas')), readlinkSync(path.join(b, 'out/dsas')), 'same content hash');
    const manifest = read(a, 'lv1/manifest.json').toString();
    t.notRegex(manifest, /\/tmp\/|lvs-repro-|"\d{4}-\d\d-\d\dT/, 'no temporary paths or timestamps');
    t.regex(manifest, /"lock": \{\n\s+"sha256": "[0-9a-f]{64}"/, 'the lock file is recorded');
  },
);
