import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../_helpers/cli.js';
import { devImageAvailable, makeDevImage } from '../_helpers/dev-image.js';
import { integrationTest } from '../_helpers/integration.js';

const NEEDS = ['root', 'ip', 'qemu-system-x86_64', 'cpio', 'gzip', 'curl', 'busybox'];

/** An out/ folder whose site `dsas` is the dev image (it matches images/dsas-lv1.yaml). */
function outWithDevImage(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'lvs-lab-out-'));
  symlinkSync(makeDevImage().siteRoot, path.join(out, 'dsas'));
  return out;
}

/** Namespaces of a lab (tags `lab` and `rs` of src/lab/plan.ts) that still exist. */
/** The lab namespaces on the machine; with `pid`, only those of that lab process (others may run beside it). */
function labNamespacesLeft(pid?: number): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const names = out.split('\n').map((l) => l.split(' ')[0] ?? '');
  return names.filter((n) => /^lvsi-(lab|rs)-/.test(n) && (pid === undefined || n.includes(`-${pid}-`)));
}

integrationTest(
  'lvs-image lab: NAT on dsas-lv1, both real servers answer; weight 0 and removal leave w101 alone',
  NEEDS,
  (t) => {
    if (!devImageAvailable()) return t.fail('dev image inputs missing');
    const r = runCli(['lab', 'images/dsas-lv1.yaml', '--out', outWithDevImage()], { timeoutMs: 600_000 });
    t.log(r.stdout);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^20 requests: every real server answers +ok +w101 \d+, w102 \d+$/m);
    t.regex(r.stdout, /^replies return through the director \(NAT\) +ok +(\d+) of \1 reply packets/m);
    t.regex(r.stdout, /^w102 at weight 0 in the spec: only w101 answer +ok +w101 20, w102 0$/m);
    t.regex(r.stdout, /^w102 removed from the spec: only w101 answer +ok +w101 20, w102 0$/m);
    t.deepEqual(labNamespacesLeft(r.pid), []);
  },
);

integrationTest('lvs-image lab: w102 without the director as gateway never answers under NAT', NEEDS, (t) => {
  if (!devImageAvailable()) return t.fail('dev image inputs missing');
  const spec = readFileSync('images/dsas-lv1.yaml', 'utf8').replace(
    '  - name: w102\n    address: 192.168.31.102/24\n',
    '  - name: w102\n    address: 192.168.31.102/24\n    gateway: 192.168.31.1\n',
  );
  t.regex(spec, /gateway: 192\.168\.31\.1\n/);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lvs-lab-spec-')), 'dsas-lv1.yaml');
  writeFileSync(file, spec);
  const r = runCli(['lab', file, '--out', outWithDevImage(), '--requests', '10', '--via', 'direct'], {
    timeoutMs: 600_000,
  });
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /lab checks failed for lv1/);
  t.regex(r.stderr, /never answered: w102/);
  t.regex(r.stderr, /console log: .*lv1-console-1\.log/);
});

integrationTest(
  'lvs-image lab: DR on dr-example, the real servers answer the client directly',
  NEEDS,
  (t) => {
    if (!devImageAvailable()) return t.fail('dev image inputs missing');
    // The dev image stands in for dr1: its rules are the ones rendered from images/dr-example.yaml.
    const rules = [
      '-A -t 10.10.31.100:80 -s wlc',
      '-a -t 10.10.31.100:80 -r 10.10.31.201:80 -g -w 1',
      '-a -t 10.10.31.100:80 -r 10.10.31.202:80 -g -w 1',
      '-A -t 10.10.31.100:443 -s rr -p 360 -M 255.255.255.0',
      '-a -t 10.10.31.100:443 -r 10.10.31.201:443 -g -w 1',
      '-a -t 10.10.31.100:443 -r 10.10.31.202:443 -g -w 2',
      '',
    ].join('\n');
    const image = makeDevImage({
      hostname: 'dr1',
      rules,
      interfaces: [{ name: 'eth0', address: '10.10.31.11/24' }],
      services: 2,
      realServers: 4,
    });
    const out = mkdtempSync(path.join(tmpdir(), 'lvs-lab-out-'));
    symlinkSync(image.siteRoot, path.join(out, 'dr-example'));
    const r = runCli(['lab', 'images/dr-example.yaml', '--out', out], { timeoutMs: 600_000 });
    t.log(r.stdout);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^20 requests: every real server answers +ok +w201 \d+, w202 \d+$/m);
    t.regex(r.stdout, /^replies bypass the director \(DR\) +ok +0 of [1-9]\d* reply packets/m);
    t.regex(r.stdout, /^w202 removed from the spec: only w201 answer +ok +w201 20, w202 0$/m);
    t.deepEqual(labNamespacesLeft(r.pid), []);
  },
);

integrationTest('lvs-image lab: Ctrl-C mid-way removes every namespace and stops QEMU', NEEDS, async (t) => {
  if (!devImageAvailable()) return t.fail('dev image inputs missing');
  const out = outWithDevImage();
  const child = spawn(
    process.execPath,
    ['--import=tsx', 'src/cli.ts', 'lab', 'images/dsas-lv1.yaml', '--out', out, '--via', 'direct'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const hub = `lvsi-lab-${child.pid}-hub`;
  // Bounded wait until the lab exists and its guest runs, then interrupt it.
  for (let i = 0; i < 240 && !labNamespacesLeft().includes(hub); i++) await sleep(250);
  t.true(labNamespacesLeft().includes(hub), `the lab never came up: ${stderr}`);
  await sleep(3000);
  child.kill('SIGINT');
  const code = await Promise.race([exited, sleep(60_000).then(() => 'hung' as const)]);
  if (code === 'hung') child.kill('SIGKILL');
  t.not(code, 'hung');
  t.not(code, 0);
  t.deepEqual(
    labNamespacesLeft().filter((n) => n.includes(`-${child.pid}-`)),
    [],
  );
  const qemu = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n');
  t.deepEqual(
    qemu.filter((l) => l.includes(hub)),
    [],
  );
});

integrationTest(
  'lvs-image lab: a spec the lab cannot run is a spec error naming the file and the field (exit 2)',
  ['root'],
  (t) => {
    const r = runCli([
      'lab',
      'images/fwmark-example.yaml',
      '--out',
      mkdtempSync(path.join(tmpdir(), 'lvs-lab-out-')),
    ]);
    t.is(r.status, 2, r.stderr);
    t.regex(
      r.stderr,
      /images\/fwmark-example\.yaml: \/directors\/0\/services: lv3 has no tcp service with a vip/,
    );
    t.notRegex(r.stderr, /bug/);
  },
);
