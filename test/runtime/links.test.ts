/**
 * The link steps of /lib/lvs/links.sh on a fake /sys tree (a folder with class/net and bus/pci/devices as the
 * kernel lays them out, the shipped script's /sys/ and /etc/lvs/ pointed at it): the missing-interface diagnosis
 * and the carrier wait, in three shells. The real links (veth pairs, gratuitous ARP) are test/runtime/links-run.test.ts.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { failedLine } from '../../src/runtime/console-contract.js';
import { DEFAULT_TEMPLATES_DIR } from '../../src/stages/render.js';

const SHELLS = ['busybox sh', 'dash', 'bash --posix'];
const fixed = (name: string): string =>
  readFileSync(path.join(DEFAULT_TEMPLATES_DIR, 'director', name), 'utf8');

/** Writes `files` (path -> content, or `-> target` for a symlink) under `root`. */
function tree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (content.startsWith('-> ')) symlinkSync(content.slice(3), p);
    else writeFileSync(p, content);
  }
}

/**
 * A machine as /sys shows it: an e1000 NIC with a driver (enp0s3), an 82574L (e1000e) and an unknown network
 * device without one, and a VGA card without one (not a network device: left out).
 */
const MACHINE: Record<string, string> = {
  'sys/class/net/lo/address': '00:00:00:00:00:00\n',
  'sys/class/net/enp0s3/address': '52:54:00:12:34:56\n',
  'sys/class/net/enp0s3/carrier': '1\n',
  'sys/class/net/enp0s3/device': '-> ../../../bus/pci/devices/0000:00:03.0',
  'sys/bus/pci/drivers/e1000/.keep': '',
  'sys/bus/pci/devices/0000:00:03.0/class': '0x020000\n',
  'sys/bus/pci/devices/0000:00:03.0/vendor': '0x8086\n',
  'sys/bus/pci/devices/0000:00:03.0/device': '0x100e\n',
  'sys/bus/pci/devices/0000:00:03.0/driver': '-> ../../drivers/e1000',
  'sys/bus/pci/devices/0000:00:04.0/class': '0x020000\n',
  'sys/bus/pci/devices/0000:00:04.0/vendor': '0x8086\n',
  'sys/bus/pci/devices/0000:00:04.0/device': '0x10d3\n',
  'sys/bus/pci/devices/0000:00:05.0/class': '0x030000\n',
  'sys/bus/pci/devices/0000:00:05.0/vendor': '0x1234\n',
  'sys/bus/pci/devices/0000:00:05.0/device': '0x1111\n',
  'sys/bus/pci/devices/0000:01:00.0/class': '0x028000\n',
  'sys/bus/pci/devices/0000:01:00.0/vendor': '0x1d6a\n',
  'sys/bus/pci/devices/0000:01:00.0/device': '0x07b1\n',
  'etc/lvs/pci-ids':
    '# vendor:device family module name\n8086:10d3 intel-e1000e e1000e 82574L Gigabit Network Connection\n',
  'etc/lvs/links': 'eth0 52:54:00:31:00:11 lvstmp0 10\neth1 52:54:00:31:01:11 lvstmp1 10\n',
};

/**
 * links.sh (with boot.sh's run and fail) reading `root` instead of /sys and /etc/lvs; `ip` logs to $root/ip;
 * usleep is busybox's (dash and bash have none; the image's busybox has it).
 */
function script(root: string, body: string): string {
  const steps = [fixed('lib/lvs/boot.sh'), fixed('lib/lvs/links.sh')]
    .join('\n')
    .replaceAll('/sys/', `${root}/sys/`)
    .replaceAll('/etc/lvs/', `${root}/etc/lvs/`)
    .replaceAll('/tmp/.lvs-run', `${root}/run`);
  return `${steps}\nip() { echo "ip $*" >>${root}/ip; }\nusleep() { busybox usleep "$1"; }\n${body}\n`;
}

function sh(shell: string, text: string): { status: number | null; out: string } {
  const [cmd = '', ...args] = shell.split(' ');
  const r = spawnSync(cmd, [...args, '-c', text], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function withTree(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), 'lvsi-sys-'));
  try {
    tree(root, files);
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

for (const shell of SHELLS) {
  test(`no interface has the spec's MAC: the FAILED line, then the interfaces and the driverless PCI NICs, once, with ${shell}`, (t) => {
    withTree(MACHINE, (root) => {
      const r = sh(shell, script(root, 'bring_up_links\necho "failed=$FAILED_STEPS"'));
      t.is(r.status, 0, r.out);
      t.is(
        r.out,
        [
          failedLine('interface eth0', 'no interface has MAC 52:54:00:31:00:11'),
          'lvs-image:   present: enp0s3 52:54:00:12:34:56 driver e1000',
          'lvs-image:   no driver: PCI 0000:00:04.0 8086:10d3 class 0x020000 82574L Gigabit Network Connection (catalog family intel-e1000e, module e1000e)',
          'lvs-image:   no driver: PCI 0000:01:00.0 1d6a:07b1 class 0x028000 (not in the NIC catalog: no driver lvs-image knows)',
          // The second missing interface: its FAILED line only, the diagnosis is said once.
          failedLine('interface eth1', 'no interface has MAC 52:54:00:31:01:11'),
          'failed=interface eth0,interface eth1',
          '',
        ].join('\n'),
      );
      // Neither missing interface was renamed or brought up (lo was).
      t.is(readFileSync(path.join(root, 'ip'), 'utf8'), 'ip link set dev lo up\n');
    });
  });

  test(`a machine whose NICs no driver took, and no catalog ids file: each by vendor:device, with ${shell}`, (t) => {
    const bare = Object.fromEntries(
      // No driver took the e1000 either: no interface at all.
      Object.entries(MACHINE).filter(
        ([k]) => !k.includes('enp0s3') && !k.endsWith('00:03.0/driver') && !k.startsWith('etc/lvs/pci-ids'),
      ),
    );
    withTree({ ...bare, 'sys/class/net/sit0/address': '00:00:00:00\n' }, (root) => {
      const r = sh(shell, script(root, 'diagnose_missing'));
      t.is(
        r.out,
        [
          'lvs-image:   present: no NIC (virtual interfaces: sit0)',
          'lvs-image:   no driver: PCI 0000:00:03.0 8086:100e class 0x020000',
          'lvs-image:   no driver: PCI 0000:00:04.0 8086:10d3 class 0x020000',
          'lvs-image:   no driver: PCI 0000:01:00.0 1d6a:07b1 class 0x028000',
          '',
        ].join('\n'),
      );
    });
  });

  test(`every NIC found by MAC: renamed through the temporary name, up, carrier at once, with ${shell}`, (t) => {
    const found = {
      ...MACHINE,
      'sys/class/net/enp0s3/address': '52:54:00:31:00:11\n',
      'etc/lvs/links': 'eth0 52:54:00:31:00:11 lvstmp0 10\n',
    };
    withTree(found, (root) => {
      // The fake ip cannot rename the folder: the carrier is read where the renamed interface would be.
      tree(root, { 'sys/class/net/eth0/carrier': '1\n' });
      const r = sh(shell, script(root, 'bring_up_links\necho "failed=$FAILED_STEPS"'));
      t.is(r.out, 'lvs-image: carrier on eth0 after 0.0 s\nfailed=\n');
      t.is(
        readFileSync(path.join(root, 'ip'), 'utf8'),
        'ip link set dev lo up\nip link set dev enp0s3 name lvstmp0\nip link set dev eth0 up\n',
      );
    });
  });

  test(`the carrier wait: all links at once, said while waiting, each when it came, a FAILED step at the bound, with ${shell}`, (t) => {
    const link = {
      'sys/class/net/eth0/carrier': '0\n',
      'sys/class/net/eth0/operstate': 'down\n',
      'sys/class/net/eth1/carrier': '1\n',
      'sys/class/net/eth2/carrier': '0\n',
      'etc/lvs/links': 'eth0 - - 10\neth1 - - 10\neth2 - - 0\neth3 - - 10\n',
    };
    withTree(link, (root) => {
      const carrier = path.join(root, 'sys/class/net/eth0/carrier');
      // eth1 has carrier at once, eth0 after 0.5 s; eth2 is not waited for (0), eth3 is not there.
      const late = sh(
        shell,
        script(root, `uptime_cs\n(sleep 0.5; echo 1 >${carrier}) &\nwait_for_carriers "$UPTIME_CS"`),
      );
      t.regex(
        late.out,
        /^lvs-image: carrier on eth1 after 0\.\d s\nlvs-image: waiting for carrier on eth0 \(up to 10 s\)\nlvs-image: carrier on eth0 after (0\.[4-9]|[1-4]\.\d) s\n$/,
      );
      writeFileSync(carrier, '0\n');
      writeFileSync(path.join(root, 'etc/lvs/links'), 'eth0 - - 1\n');
      const never = sh(
        shell,
        script(root, 'uptime_cs\nwait_for_carriers "$UPTIME_CS"\necho "failed=$FAILED_STEPS"'),
      );
      t.is(
        never.out,
        [
          'lvs-image: waiting for carrier on eth0 (up to 1 s)',
          failedLine(
            'carrier eth0',
            'no carrier after 1 s (operstate down): check the cable and the switch port, or raise hardware.carrierWait',
          ),
          'failed=carrier eth0',
          '',
        ].join('\n'),
      );
    });
  });
}

test('uptime_cs reads /proc/uptime in hundredths, a fraction like .05 not as octal', (t) => {
  withTree({ uptime: '12.08 3.00\n' }, (root) => {
    const text = fixed('lib/lvs/links.sh').replaceAll('/proc/uptime', `${root}/uptime`);
    t.is(sh('busybox sh', `${text}\nuptime_cs\necho "$UPTIME_CS"`).out, '1208\n');
  });
});

test('fail keeps each failed step once, in order, for the DEGRADED line', (t) => {
  const r = sh(
    'busybox sh',
    `${fixed('lib/lvs/boot.sh')}\nfail 'interface eth0' x\nfail 'vip eth0:100' y\nfail 'interface eth0' z\necho "$FAILED_STEPS"`,
  );
  t.is(r.out.split('\n').at(-2), 'interface eth0,vip eth0:100');
});
