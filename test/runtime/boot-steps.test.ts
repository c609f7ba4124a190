/**
 * The fixed /init and its boot steps as shell: shellcheck-clean, parsed by three shells, and single steps run
 * with stand-ins for the commands they call (a shell function ipvsadm or modprobe that prints or logs). The whole
 * /init runs in namespaces in test/stages/render-init.test.ts.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { failedLine, readyLine, READY_PATTERN } from '../../src/runtime/console-contract.js';
import { resolveDirector } from '../../src/director/resolve.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { DEFAULT_TEMPLATES_DIR, planDirectorFiles, renderFiles } from '../../src/stages/render.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeSpec } from '../_helpers/make-spec.js';

const FIXED = ['init', 'lib/lvs/boot.sh', 'lib/lvs/links.sh', 'lib/lvs/supervise.sh', 'lib/lvs/apply.sh'];
const fixed = (name: string): string =>
  readFileSync(path.join(DEFAULT_TEMPLATES_DIR, 'director', name), 'utf8');
const SHELLS = ['busybox sh', 'dash', 'bash --posix'];

function sh(
  shell: string,
  script: string,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; out: string } {
  const [cmd = '', ...args] = shell.split(' ');
  const r = spawnSync(cmd, [...args, '-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

integrationTest(
  'the fixed /init, its boot steps and the SysV script are shellcheck-clean',
  ['shellcheck'],
  (t) => {
    const dir = path.join(DEFAULT_TEMPLATES_DIR, 'director');
    const r = spawnSync('shellcheck', ['-x', '-s', 'sh', ...FIXED], { cwd: dir, encoding: 'utf8' });
    t.is(r.status, 0, r.stdout + r.stderr);
    const spec = applyDefaults(makeSpec());
    const initd = renderFiles(planDirectorFiles(resolveDirector(spec, spec.directors[0]!))).find(
      (f) => f.path === '/etc/init.d/lvs-director',
    );
    const check = spawnSync('shellcheck', ['-s', 'sh', '-e', 'SC1091', '-'], {
      input: initd?.content ?? '',
      encoding: 'utf8',
    });
    t.is(check.status, 0, check.stdout + check.stderr);
  },
);

for (const shell of SHELLS) {
  test(`the fixed /init and boot steps parse with ${shell} -n`, (t) => {
    for (const name of FIXED) {
      const [cmd = '', ...args] = shell.split(' ');
      const r = spawnSync(cmd, [...args, '-n'], { input: fixed(name), encoding: 'utf8' });
      t.is(r.status, 0, `${name}: ${r.stderr}`);
    }
  });

  test(`count_table counts services and real servers of ipvsadm -Sn with ${shell}`, (t) => {
    const listing = [
      '-A -t 10.10.31.100:80 -s wlc',
      '-a -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 1',
      '-a -t 10.10.31.100:80 -r 192.168.31.102:80 -m -w 0',
      '-A -f 1 -s rr',
      '-a -f 1 -r 192.168.31.103:0 -m -w 1',
    ].join('\n');
    const script = `${fixed('lib/lvs/boot.sh')}\nipvsadm() { printf '%s\\n' "$LISTING"; }\ncount_table\necho "$SERVICES $REALSERVERS"\n`;
    const r = sh(shell, script, { LISTING: listing });
    t.is(r.status, 0, r.out);
    t.is(r.out, '2 3\n');
  });

  test(`load_modules loads parameterless modules in one modprobe -a, the others one by one, with ${shell}`, (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvsi-init-'));
    try {
      const list = path.join(dir, 'modules');
      writeFileSync(list, '# comment\nip_vs\n\nip_vs_sh conn_tab_bits=12 x=1\nip_vs_lc\n');
      const steps = fixed('lib/lvs/boot.sh')
        .replaceAll('/etc/modules', '"$MODULES"')
        .replaceAll('/tmp/.lvs-run', '"$TMPDIR/run"');
      const script = `${steps}\nmodprobe() { echo "modprobe $*" >>"$LOG"; }\nload_modules\n`;
      const log = path.join(dir, 'log');
      const r = sh(shell, script, { MODULES: list, LOG: log, TMPDIR: dir });
      t.is(r.status, 0, r.out);
      t.is(r.out, '');
      t.is(readFileSync(log, 'utf8'), 'modprobe ip_vs_sh conn_tab_bits=12 x=1\nmodprobe -a ip_vs ip_vs_lc\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`coldplug_devices loads the modules of the modaliases present, twice, with ${shell}`, (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvsi-coldplug-'));
    try {
      const device = (bus: string, id: string, alias: string): void => {
        mkdirSync(path.join(dir, 'sys/bus', bus, 'devices', id), { recursive: true });
        writeFileSync(path.join(dir, 'sys/bus', bus, 'devices', id, 'modalias'), `${alias}\n`);
      };
      // A host bridge no module claims, two e1000e NICs (one alias), a virtio NIC.
      device('pci', '0000:00:00.0', 'pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00');
      device('pci', '0000:00:02.0', 'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00');
      device('pci', '0000:00:03.0', 'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00');
      device('virtio', 'virtio0', 'virtio:d00000001v00001AF4');
      const steps = fixed('lib/lvs/boot.sh')
        .replaceAll('/sys/bus/', '"$ROOT"/sys/bus/')
        .replaceAll('/lib/modules/', '"$ROOT"/lib/modules/')
        .replaceAll('/tmp/.lvs-run', '"$ROOT/run"');
      const log = path.join(dir, 'log');
      const stub = (extra: string): string =>
        `modprobe() { echo "modprobe $*" >>"$LOG"; for a; do case $a in pci:v00008086d000029C0*) echo "modprobe: module $a not found in modules.dep" >&2 ;; esac; done; ${extra} }`;
      const run = (extra: string) =>
        sh(shell, `${steps}\n${stub(extra)}\ncoldplug_devices\n`, { ROOT: dir, LOG: log });

      // No modules.alias: every driver is built in, nothing to load.
      t.deepEqual(run(''), { status: 0, out: '' });
      t.false(existsSync(log));

      mkdirSync(path.join(dir, 'lib/modules/6.1.192'), { recursive: true });
      writeFileSync(
        path.join(dir, 'lib/modules/6.1.192/modules.alias'),
        'alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n',
      );
      const aliases = [
        'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00',
        'pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00',
        'virtio:d00000001v00001AF4',
      ].join(' ');
      t.deepEqual(run(''), { status: 0, out: '' }, 'an alias no module claims is no failure');
      t.is(readFileSync(log, 'utf8'), `modprobe -a -b ${aliases}\nmodprobe -a -b ${aliases}\n`);

      const failing = run(
        `echo "modprobe: can't load module e1000e (kernel/e1000e.ko): Invalid argument" >&2; return 1;`,
      );
      t.is(
        failing.out,
        [1, 2]
          .map(
            (p) =>
              `${failedLine(`coldplug pass ${p}`, "modprobe: can't load module e1000e (kernel/e1000e.ko): Invalid argument")}\n`,
          )
          .join(''),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`run reports a failed step in the FAILED format of the console contract, with ${shell}`, (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lvsi-run-'));
    try {
      const steps = fixed('lib/lvs/boot.sh').replaceAll('/tmp/.lvs-run', '"$TMPDIR/run"');
      const r = sh(
        shell,
        `${steps}\nrun "link eth9" sh -c 'echo no such device; echo twice; exit 2'\necho "rc=$?"\n`,
        {
          TMPDIR: dir,
        },
      );
      t.is(
        r.out,
        `${failedLine('link eth9', 'sh -c echo no such device; echo twice; exit 2 (no such device twice)')}\nrc=1\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('print_ready prints the ready line of the console contract', (t) => {
  const script = `${fixed('lib/lvs/boot.sh')}\nHOSTNAME=lv1 MODE=rules SERVICES=2 REALSERVERS=4\nprint_ready\n`;
  const r = sh('busybox sh', script);
  t.is(r.out, `\n${readyLine('lv1', 'rules', 2, 4)}\n`);
  t.regex(readyLine('lv1', 'rules', 2, 4), READY_PATTERN);
  t.regex(readyLine('lv4', 'keepalived', 1, 3), READY_PATTERN);
});
