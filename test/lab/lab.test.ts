import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../_helpers/cli.js';
import { buildExampleImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';
import { integrationTest } from '../_helpers/integration.js';

const NEEDS = ['root', 'ip', 'qemu-system-x86_64', 'curl', 'busybox', ...REFERENCE_NEEDS];

/** The lab namespaces on the machine; with `pid`, only those of that lab process (others may run beside it). */
function labNamespacesLeft(pid?: number): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const names = out.split('\n').map((l) => l.split(' ')[0] ?? '');
  return names.filter((n) => /^lvsi-(lab|rs)-/.test(n) && (pid === undefined || n.includes(`-${pid}-`)));
}

integrationTest(
  'lvs-image lab: NAT on dsas-lv1, both real servers answer; weight 0 and removal leave w101 alone',
  NEEDS,
  async (t) => {
    const image = await buildExampleImage('dsas-lv1');
    t.teardown(image.remove);
    const r = runCli(['lab', image.specFile, '--out', image.out], { timeoutMs: 600_000 });
    t.log(r.stdout);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^20 requests: every real server answers +ok +w101 \d+, w102 \d+$/m);
    t.regex(r.stdout, /^replies return through the director \(NAT\) +ok +(\d+) of \1 reply packets/m);
    t.regex(r.stdout, /^w102 at weight 0 in the spec: only w101 answer +ok +w101 20, w102 0$/m);
    t.regex(r.stdout, /^w102 removed from the spec: only w101 answer +ok +w101 20, w102 0$/m);
    t.deepEqual(labNamespacesLeft(r.pid), []);
  },
);

integrationTest(
  'lvs-image lab: w102 without the director as gateway never answers under NAT',
  NEEDS,
  async (t) => {
    const image = await buildExampleImage('dsas-lv1');
    t.teardown(image.remove);
    // The image is the reference's; the lab's spec gives w102 another gateway (a real-server setting, not the image's).
    const spec = readFileSync(image.specFile, 'utf8').replace(
      '  - name: w102\n    address: 192.168.31.102/24\n',
      '  - name: w102\n    address: 192.168.31.102/24\n    gateway: 192.168.31.1\n',
    );
    t.regex(spec, /gateway: 192\.168\.31\.1\n/);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lvs-lab-spec-')), 'dsas-lv1.yaml');
    writeFileSync(file, spec);
    const r = runCli(['lab', file, '--out', image.out, '--requests', '10', '--via', 'direct'], {
      timeoutMs: 600_000,
    });
    t.is(r.status, 1, r.stdout + r.stderr);
    t.regex(r.stderr, /lab checks failed for lv1/);
    t.regex(r.stderr, /never answered: w102/);
    t.regex(r.stderr, /console log: .*lv1-console-1\.log/);
  },
);

integrationTest(
  'lvs-image lab: DR on dr-example, the real servers answer the client directly',
  NEEDS,
  async (t) => {
    const image = await buildExampleImage('dr-example');
    t.teardown(image.remove);
    const r = runCli(['lab', image.specFile, '--out', image.out], { timeoutMs: 600_000 });
    t.log(r.stdout);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^20 requests: every real server answers +ok +w201 \d+, w202 \d+$/m);
    t.regex(r.stdout, /^replies bypass the director \(DR\) +ok +0 of [1-9]\d* reply packets/m);
    t.regex(r.stdout, /^w202 removed from the spec: only w201 answer +ok +w201 20, w202 0$/m);
    t.deepEqual(labNamespacesLeft(r.pid), []);
  },
);

integrationTest(
  'lvs-image lab: Ctrl-C mid-way (while the network is made, and while the guest boots) removes every namespace and stops QEMU',
  NEEDS,
  async (t) => {
    const image = await buildExampleImage('dsas-lv1');
    t.teardown(image.remove);
    // 0 ms: the signal lands while the namespaces and links are still being made; 3 s: while the guest boots.
    for (const delayMs of [0, 3000]) {
      const child = spawn(
        process.execPath,
        ['--import=tsx', 'src/cli.ts', 'lab', image.specFile, '--out', image.out, '--via', 'direct'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const hub = `lvsi-lab-${child.pid}-hub`;
      // Bounded wait until the lab's first namespace exists, then interrupt it.
      for (let i = 0; i < 2400 && !labNamespacesLeft().includes(hub); i++) await sleep(25);
      t.true(labNamespacesLeft().includes(hub), `the lab never came up: ${stderr}`);
      await sleep(delayMs);
      child.kill('SIGINT');
      const code = await Promise.race([exited, sleep(60_000).then(() => 'hung' as const)]);
      if (code === 'hung') child.kill('SIGKILL');
      const at = `SIGINT after ${delayMs} ms: ${stderr}`;
      t.not(code, 'hung', at);
      // 130: the lab caught the signal and cleaned up; killed by it (null) would mean no cleanup ran.
      t.is(code, 130, at);
      t.regex(stderr, /interrupted by SIGINT; the lab's guests, helpers and namespaces removed/, at);
      t.deepEqual(labNamespacesLeft(child.pid), [], at);
      const qemu = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n');
      t.deepEqual(
        qemu.filter((l) => l.includes(hub)),
        [],
        at,
      );
    }
  },
);

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
