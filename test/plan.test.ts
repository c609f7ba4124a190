import test from 'ava';
import path from 'node:path';
import { planCmdline, resolveDirector } from '../src/director/resolve.js';
import { planImage } from '../src/plan.js';
import { applyDefaults } from '../src/spec/defaults.js';
import { loadSpec } from '../src/spec/load.js';
import { ROOT } from './_helpers/cli.js';
import { makeSpec } from './_helpers/make-spec.js';

test('plan of images/dsas-lv1.yaml (snapshot)', async (t) => {
  const loaded = await loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml'));
  const plan = planImage(loaded.spec);
  t.snapshot(plan);
  t.deepEqual(JSON.parse(JSON.stringify(plan)), plan, 'JSON round trip is lossless');
});

test('plan is deterministic and does not modify the spec', (t) => {
  const spec = applyDefaults(makeSpec());
  const before = structuredClone(spec);
  t.deepEqual(planImage(spec), planImage(spec));
  t.deepEqual(spec, before);
});

test('SOURCE_DATE_EPOCH (passed in by the CLI) overrides image.epoch', (t) => {
  const spec = applyDefaults(makeSpec({ image: { epoch: 1000 } }));
  t.is(planImage(spec).image.epoch, 1000);
  t.is(planImage(spec, { epoch: 1700000000 }).image.epoch, 1700000000);
});

const CMDLINES: [string, Parameters<typeof makeSpec>[0], string][] = [
  ['console only', { image: { console: 'ttyS0,115200' } }, 'console=ttyS0,115200'],
  [
    'console and extra words',
    { image: { console: 'ttyS1,9600', cmdline: ['quiet', 'panic=10'] } },
    'console=ttyS1,9600 quiet panic=10',
  ],
  ['no console', { image: { cmdline: ['quiet'] } }, 'quiet'],
];
for (const [title, over, expected] of CMDLINES) {
  test(`kernel command line: ${title}`, (t) => {
    t.is(planCmdline(makeSpec(over)), expected);
  });
}

test('modules: none when built in; ip_vs first, then what the services use, when modular', (t) => {
  t.deepEqual(
    planImage(applyDefaults(makeSpec({ kernel: { options: 'builtin' } }))).directors[0]?.modules,
    [],
  );
  const spec = applyDefaults(makeSpec({ kernel: { options: 'module' } }));
  t.deepEqual(planImage(spec).directors[0]?.modules, ['ip_vs', 'ip_vs_lc']);
});

test('per-MAC pxelinux configs and one iPXE script per director in the site files', (t) => {
  const plan = planImage(applyDefaults(makeSpec()));
  t.true(plan.pxe.includes('pxelinux.cfg/01-52-54-00-31-00-11'));
  t.true(plan.pxe.includes('pxelinux.cfg/01-52-54-00-31-01-11'));
  t.true(plan.pxe.includes('lv1.ipxe'));
  t.deepEqual(plan.directors[0]?.outputs, {
    kernel: 'lv1/lv1-kernel',
    initrd: 'lv1/lv1-initrd.img',
    cmdline: 'lv1/lv1-cmdline',
    manifest: 'lv1/manifest.json',
    state: 'lv1/state.json',
    ipxe: 'lv1.ipxe',
  });
});

test('each director plan carries its resolved model once; the other fields and the views are read from it', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/dsas-ha.yaml'));
  for (const [i, d] of planImage(spec).directors.entries()) {
    t.deepEqual(d.model, resolveDirector(spec, spec.directors[i]!));
    t.deepEqual(
      [d.hostname, d.mode, d.modules, d.cmdline, d.services, d.realServers],
      [
        d.model.hostname,
        d.model.mode,
        d.model.modules,
        d.model.cmdline,
        d.model.counts.services,
        d.model.counts.realServers,
      ],
    );
    const view = d.files[0]?.view;
    t.true(view !== undefined && 'ipvsadmRules' in view);
    if (view !== undefined && 'ipvsadmRules' in view) {
      t.deepEqual(view.ipvsadmRules, d.model.ipvs.rules);
      t.is(view.pairMember, d.model.pair !== null);
    }
  }
});
