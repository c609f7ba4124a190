import test from 'ava';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BuildOptions } from '../src/build-context.js';
import { runBuild } from '../src/commands/build.js';
import { BuildError, SpecError } from '../src/lib/errors.js';
import * as step from '../src/build-steps.js';
import { Chain, STEPS } from '../src/pipeline.js';
import { ROOT } from './_helpers/cli.js';
import { integrationTest } from './_helpers/integration.js';

function options(over: Partial<BuildOptions>): BuildOptions {
  return {
    specFile: path.join(ROOT, 'images/dsas-lv1.yaml'),
    outDir: path.join(mkdtempSync(path.join(tmpdir(), 'lvs-pipeline-')), 'out'),
    frozen: false,
    offline: false,
    allowIpvsMismatch: false,
    templatesDir: undefined,
    dryRun: false,
    jobs: undefined,
    epoch: undefined,
    renderer: 'silent',
    verbose: false,
    ...over,
  };
}

/** A shipped spec (default the reference) on Debian's prebuilt kernel (no kernel build needed). */
function prebuiltSpec(dir: string, name = 'dsas-lv1'): string {
  const text = readFileSync(path.join(ROOT, `images/${name}.yaml`), 'utf8').replace(
    / {2}source:\n {4}debian: linux-source-6\.1.*\n( {2}base: .*\n)? {2}profile: .*\n {2}options: .*\n/,
    '  prebuilt:\n    vmlinuz: /vmlinuz\n  profile: minimal\n  options: module\n',
  );
  // Never fall back to a kernel build in a test: the substitution must have happened.
  if (!text.includes('vmlinuz: /vmlinuz'))
    throw new Error(`images/${name}.yaml changed shape; update prebuiltSpec()`);
  const file = path.join(dir, `${name}-prebuilt.yaml`);
  writeFileSync(file, text);
  return file;
}

test('the build runs its steps in the documented order', (t) => {
  t.deepEqual(
    STEPS.map((s) => s.key),
    [
      'validate',
      'plan',
      'preflight',
      'lock',
      'sources',
      'log',
      'kernel-config',
      'kernel',
      'ipvsadm',
      'programs',
      'render',
      'check-configs',
      'staging',
      'rootfs',
      'firmware',
      'initramfs',
      'pxe',
      'publish',
    ],
  );
  t.deepEqual(
    STEPS.filter((s) => s.dryRun === true).map((s) => s.key),
    ['validate', 'plan', 'preflight'],
  );
});

test('a step placed before a result it needs does not compile (tsc checks this file)', (t) => {
  const validated = new Chain<object>([]).then('validate', 'Validate spec', step.validateStep);
  // @ts-expect-error kernelStep takes the log file, the sources and the fragment, which no step before it returns
  const wrong = validated.then('kernel', 'Provide kernel', step.kernelStep);
  const right = validated
    .then('plan', 'Plan image', step.planStep)
    .then('preflight', 'Preflight', step.preflightStep)
    .then('lock', 'Lock', step.lockStep)
    .then('sources', 'Sources', step.sourcesStep)
    .then('log', 'Log', step.logStep)
    .then('kernel-config', 'Kernel config', step.kernelConfigStep)
    .then('kernel', 'Provide kernel', step.kernelStep);
  t.deepEqual([wrong.steps.length, right.steps.length], [2, 8]);
});

test('a dry run plans and preflights, times each step and opens no log', async (t) => {
  const opts = options({ dryRun: true, epoch: 1234 });
  const ctx = await runBuild(opts);
  t.is(ctx.plan?.image.epoch, 1234, 'SOURCE_DATE_EPOCH reaches the plan');
  t.is(ctx.logFile, undefined);
  t.deepEqual(Object.keys(ctx.timings), ['validate', 'plan', 'preflight']);
  t.false(existsSync(opts.outDir));
});

test('a spec error stops the build before anything is written', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-pipeline-bad-'));
  writeFileSync(path.join(dir, 'bad.yaml'), 'name: 1\n');
  const opts = options({ specFile: path.join(dir, 'bad.yaml') });
  await t.throwsAsync(runBuild(opts), { instanceOf: SpecError });
  t.false(existsSync(opts.outDir));
});

integrationTest(
  'prebuilt kernel: full pipeline publishes every layout file; a later failure names the log and keeps it',
  ['make', 'gcc'],
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvs-pipeline-pre-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const opts = options({ specFile: prebuiltSpec(dir), outDir: path.join(dir, 'out') });
    const ctx = await runBuild(opts);
    const site = path.join(opts.outDir, 'dsas');
    for (const rel of [
      'pxelinux.0',
      'ldlinux.c32',
      'undionly.kpxe',
      'ipxe.efi',
      'snponly.efi',
      'pxelinux.cfg/default',
      'pxelinux.cfg/01-52-54-00-31-00-11',
      'grub/grub.cfg',
      'lv1.ipxe',
      'lv1/lv1-kernel',
      'lv1/lv1-initrd.img',
      'lv1/lv1-cmdline',
      'lv1/manifest.json',
      'SHA256SUMS',
    ]) {
      t.true(existsSync(path.join(site, rel)), rel);
    }
    const manifest = JSON.parse(readFileSync(path.join(site, 'lv1/manifest.json'), 'utf8')) as {
      modules: string[];
      kernel: { ipvsVersion: string };
      ipvsadm: { ipvsVersion: string };
    };
    t.true(manifest.modules.includes('ip_vs_lc'));
    t.is(manifest.kernel.ipvsVersion, manifest.ipvsadm.ipvsVersion);
    t.true((ctx.timings.initramfs ?? -1) >= 0);

    // A broken PXE template override fails the pxe step: the error names the log, the release stays.
    const templates = path.join(dir, 'templates');
    mkdirSync(path.join(templates, 'pxe'), { recursive: true });
    writeFileSync(path.join(templates, 'pxe/boot.ipxe.hbs'), '#!ipxe\n{{nope}}\n');
    const before = readdirSync(path.join(opts.outDir, '.releases'));
    const err = await t.throwsAsync(runBuild({ ...opts, templatesDir: templates }));
    t.true(err instanceof BuildError);
    t.is((err as BuildError).logFile, path.join(opts.outDir, '.logs/dsas-build.log'));
    t.regex(
      readFileSync(path.join(opts.outDir, '.logs/dsas-build.log'), 'utf8'),
      /=== Write kernels and PXE boot files/,
    );
    t.deepEqual(readdirSync(path.join(opts.outDir, '.releases')), before);
  },
);

integrationTest(
  'health checks on a prebuilt kernel: keepalived in the image and the manifest; a config keepalived -t rejects fails the build and leaves the release',
  ['make', 'gcc', 'ip', 'root'],
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvs-pipeline-ka-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const opts = options({ specFile: prebuiltSpec(dir, 'checked-example'), outDir: path.join(dir, 'out') });
    const ctx = await runBuild(opts);
    t.is(ctx.plan?.directors[0]?.mode, 'keepalived');
    const site = path.join(opts.outDir, 'checked-example');
    const manifest = JSON.parse(readFileSync(path.join(site, 'lv4/manifest.json'), 'utf8')) as {
      mode: string;
      keepalived: { version: string; configOptions: string[]; versionText: string[] } | null;
    };
    t.is(manifest.mode, 'keepalived');
    t.is(manifest.keepalived?.version, '2.2.7');
    t.true(['LVS', 'VRRP'].every((f) => manifest.keepalived?.configOptions.includes(f)));
    t.regex(manifest.keepalived?.versionText[0] ?? '', /^Keepalived v2\.2\.7/);
    const log = readFileSync(path.join(opts.outDir, '.logs/checked-example-build.log'), 'utf8');
    t.regex(log, /lv4: keepalived -t accepts \/etc\/keepalived\/keepalived\.conf/);

    // access.ssh: dropbear in the image, the host key from the secrets folder beside the spec (0600), its public
    // half in the manifest and the site's known_hosts, the lab key warned about.
    const ssh = (
      manifest as {
        ssh?: { dropbear: { version: string }; hostKey: string; fingerprint: string; listen: string[] };
      }
    ).ssh;
    t.is(ssh?.dropbear.version, '2022.83');
    t.deepEqual(ssh?.listen, ['192.168.31.11:22']);
    t.is(readFileSync(path.join(site, 'known_hosts'), 'utf8'), `lv4,192.168.31.11 ${ssh?.hostKey ?? ''}\n`);
    t.regex(readFileSync(path.join(site, 'SHA256SUMS'), 'utf8'), / {2}known_hosts$/m);
    const keyFile = path.join(dir, 'secrets/checked-example/lv4/dropbear_ed25519_host_key');
    const entries = ctx.rootfs?.lv4 ?? [];
    const key = entries.find((e) => e.path === '/etc/dropbear/dropbear_ed25519_host_key');
    t.like(key, { type: 'file', mode: 0o600, data: readFileSync(keyFile) });
    t.true(entries.some((e) => e.path === '/usr/sbin/dropbear'));
    t.like(
      entries.find((e) => e.path === '/root/.ssh/authorized_keys'),
      { mode: 0o600 },
    );
    t.regex(log, /WARNING: access\.ssh\.authorizedKeys\[0\] is the lab key/);
    t.regex(
      log,
      new RegExp(`lv4: SSH host key ${ssh?.fingerprint.replace(/[+/]/g, '\\$&') ?? 'x'} \\(new\\)`),
    );

    // A template override keepalived refuses: the build fails at check-configs, quoting keepalived's line.
    const templates = path.join(dir, 'templates');
    mkdirSync(path.join(templates, 'director/etc/keepalived'), { recursive: true });
    const good = readFileSync(
      path.join(ROOT, 'templates/director/etc/keepalived/keepalived.conf.hbs'),
      'utf8',
    );
    writeFileSync(
      path.join(templates, 'director/etc/keepalived/keepalived.conf.hbs'),
      good.replace('{{/each}}', '{{/each}}\nvirtual_server 10.10.31.100 81 {\n    lvs_sched nope\n}\n'),
    );
    const before = readdirSync(path.join(opts.outDir, '.releases'));
    const err = await t.throwsAsync(runBuild({ ...opts, templatesDir: templates }));
    t.true(err instanceof BuildError);
    t.regex(err?.message ?? '', /keepalived -t rejected lv4:\/etc\/keepalived\/keepalived\.conf/);
    t.regex(err?.message ?? '', /Invalid lvs_scheduler 'nope'/);
    t.deepEqual(
      readdirSync(path.join(opts.outDir, '.releases')),
      before,
      'the published release is untouched',
    );
  },
);
