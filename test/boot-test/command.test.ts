import test from 'ava';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directorStateFromSpec, formatState } from '../../src/diff/state.js';
import { planImage } from '../../src/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { renderFiles } from '../../src/stages/render.js';
import { runCli } from '../_helpers/cli.js';
import { devImageAvailable, makeDevImage, REFERENCE_RULES } from '../_helpers/dev-image.js';
import { integrationTest } from '../_helpers/integration.js';
import { buildReferenceImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';

const NEEDS = ['qemu-system-x86_64', 'cpio', 'gzip'];

/**
 * An out/ folder whose site `dsas` is the dev image, published with the state a build of images/dsas-lv1.yaml
 * writes (its boot expectation is what boot-test holds the image to).
 */
async function outWithDevImage(rules?: string): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), 'lvs-boot-test-out-'));
  const { siteRoot } = makeDevImage(rules !== undefined ? { rules } : {});
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  for (const d of planImage(spec).directors)
    writeFileSync(
      path.join(siteRoot, d.outputs.state),
      formatState(directorStateFromSpec(spec, d.model, renderFiles(d.files))),
    );
  symlinkSync(siteRoot, path.join(out, 'dsas'));
  return out;
}

test('an unbuilt image: exit 1 naming the missing files and `lvs-image build`', (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'lvs-boot-test-out-'));
  mkdirSync(path.join(out, 'dsas'));
  const r = runCli(['boot-test', 'images/dsas-lv1.yaml', '--out', out, '--via', 'direct']);
  t.is(r.status, 1);
  t.regex(r.stderr, /the image is not built: missing .*dsas\/lv1\/lv1-kernel/);
  t.regex(r.stderr, /lvs-image build images\/dsas-lv1\.yaml/);
});

test('bad flags: exit 2 listing every problem', (t) => {
  const r = runCli(['boot-test', 'images/dsas-lv1.yaml', '--via', 'usb', '--timeout', '0']);
  t.is(r.status, 2);
  t.regex(r.stderr, /--via usb: must be direct, pxe or both/);
  t.regex(r.stderr, /--timeout 0: must be whole seconds/);
});

integrationTest(
  'lvs-image boot-test passes both boot paths on the built reference image',
  [...NEEDS, ...REFERENCE_NEEDS],
  async (t) => {
    const image = await buildReferenceImage();
    t.teardown(image.remove);
    const r = runCli(['boot-test', image.specFile, '--out', image.out], { timeoutMs: 600_000 });
    t.log(r.stdout);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^lv1 +direct +ipvsadm -Sn +ok/m);
    t.regex(r.stdout, /^lv1 +pxe +VIP 10\.10\.31\.100 +ok +10\.10\.31\.100\/32 label eth0:100$/m);
    t.notRegex(r.stdout, / FAIL /);
  },
);

integrationTest(
  'lvs-image boot-test fails with the diff and the console log when the image disagrees with the spec',
  NEEDS,
  async (t) => {
    if (!devImageAvailable()) return t.fail('dev image inputs missing');
    const out = await outWithDevImage(
      REFERENCE_RULES.replace('192.168.31.102:80 -m -w 1', '192.168.31.102:80 -m -w 2'),
    );
    const r = runCli(['boot-test', 'images/dsas-lv1.yaml', '--out', out, '--via', 'direct'], {
      timeoutMs: 300_000,
    });
    t.is(r.status, 1);
    t.regex(r.stdout, /^lv1 +direct +ipvsadm -Sn +FAIL/m);
    t.regex(r.stderr, /^ +--a -t 10\.10\.31\.100:80 -r 192\.168\.31\.102:80 -m -w 1$/m);
    t.regex(r.stderr, /^ +\+-a -t 10\.10\.31\.100:80 -r 192\.168\.31\.102:80 -m -w 2$/m);
    t.regex(r.stderr, new RegExp(`console log: ${out}/\\.boot-test/dsas/lv1/boot-test-direct\\.log`));
  },
);
