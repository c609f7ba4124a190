import test from 'ava';
import type { HardwareExpectation } from '../../src/boot-test/hardware-cells.js';
import { checkHardware } from '../../src/boot-test/hardware-checks.js';
import { countCpuList, parseNet, parsePci } from '../../src/boot-test/parse-hardware.js';
import { watchdogProbe, type HardwareObservation } from '../../src/boot-test/observe-hardware.js';

/** The mixed cell: eth0 on virtio-net, eth1 on e1000e, eth1's NIC in the first slot. */
const EXPECTED: HardwareExpectation = {
  checks: ['boot', 'cpus', 'nics', 'pci-order', 'msix', 'watchdog'],
  cpus: 2,
  interfaces: [
    {
      name: 'eth0',
      mac: '52:54:00:31:00:11',
      model: 'virtio-net-pci',
      pci: '1af4:1000',
      msix: true,
      drivers: ['virtio_net'],
    },
    {
      name: 'eth1',
      mac: '52:54:00:31:01:11',
      model: 'e1000e',
      pci: '8086:10d3',
      msix: true,
      drivers: ['e1000e'],
    },
  ],
  pciOrder: 'reversed',
  watchdog: {
    device: 'i6300esb',
    driver: 'i6300ESB timer',
    bound: { dir: '/sys/bus/pci/drivers/i6300ESB timer', glob: '0000:*' },
  },
};

/** What the probes print on a server kernel for that cell (format as measured on the console). */
const GOOD: HardwareObservation = {
  cpus: '0-1\n2\n',
  net: [
    'eth0 52:54:00:31:00:11 3 /sys/devices/pci0000:00/0000:00:03.0/virtio0 virtio_net',
    'eth1 52:54:00:31:01:11 2 /sys/devices/pci0000:00/0000:00:02.0 e1000e',
  ].join('\n'),
  pci: [
    '0000:00:00.0 0x8086:0x29c0 0x00 -',
    '0000:00:01.0 0x8086:0x25ab 0x00 -',
    '0000:00:02.0 0x8086:0x10d3 0x00 msix,msix,msix,',
    '0000:00:03.0 0x1af4:0x1000 0x00 msix,msix,msix,',
    '0000:00:1f.0 0x8086:0x2918 0x02 -',
  ].join('\n'),
  interrupts: [
    ' 24:   0   0  PCI-MSI 1048576-edge      virtio0-config',
    ' 25:  10   0  PCI-MSI 1048577-edge      virtio0-input.0',
    ' 27:   4   0  PCI-MSI 524288-edge      eth1-rx-0',
    ' 28:   3   0  PCI-MSI 524289-edge      eth1-tx-0',
    ' 29:   1   0  PCI-MSI 524290-edge      eth1',
  ].join('\n'),
  // i6300ESB (no parent device: no name), then the iTCO, then softdog, in registration order.
  watchdog:
    'open wdfeed 57 /dev/watchdog\ndev watchdog0\ndev watchdog1 iTCO_wdt\ndev watchdog2\nbound 0000:00:01.0\n',
};

const verdicts = (o: HardwareObservation, e = EXPECTED, con = ''): [string, boolean, string][] =>
  checkHardware(e, o, con).map((c) => [c.name, c.ok, c.detail]);

test('parsers: interfaces with their PCI address (virtio: its parent), PCI ids, MSI modes; CPU lists', (t) => {
  t.deepEqual(
    parseNet(GOOD.net ?? '').map((n) => [n.name, n.mac, n.ifindex, n.bdf, n.device, n.driver]),
    [
      ['eth0', '52:54:00:31:00:11', 3, '0000:00:03.0', 'virtio0', 'virtio_net'],
      ['eth1', '52:54:00:31:01:11', 2, '0000:00:02.0', '0000:00:02.0', 'e1000e'],
    ],
  );
  t.deepEqual(parsePci(GOOD.pci ?? '')[2], {
    bdf: '0000:00:02.0',
    id: '8086:10d3',
    msi: ['msix', 'msix', 'msix'],
  });
  t.deepEqual(parsePci('0000:00:02.0 0x8086:0x100e 0x03 -')[0]?.msi, []);
  t.deepEqual(parsePci('junk line\n'), []);
  t.deepEqual(['0', '0-1', '0-3', '0,2-3', ''].map(countCpuList), [1, 2, 4, 3, 0]);
});

test('a server kernel: every check passes, naming what it saw', (t) => {
  t.deepEqual(verdicts(GOOD), [
    ['CPUs online', true, '2 of -smp 2 online (0-1), nproc 2'],
    ['NIC eth0', true, '52:54:00:31:00:11 on 00:03.0 1af4:1000 (virtio-net-pci), driver virtio_net'],
    ['NIC eth1', true, '52:54:00:31:01:11 on 00:02.0 8086:10d3 (e1000e), driver e1000e'],
    [
      'PCI order',
      true,
      'eth0 00:03.0, eth1 00:02.0: slots in order eth1, eth0 (want eth1, eth0); the kernel registered eth1, eth0 in that order (ifindex), /init named them by MAC',
    ],
    ['MSI-X eth0', true, '3 MSI-X vectors on 00:03.0 (virtio0-config virtio0-input.0)'],
    ['MSI-X eth1', true, '3 MSI-X vectors on 00:02.0 (eth1-rx-0 eth1-tx-0 eth1)'],
    [
      'watchdog open',
      true,
      'watchdog0 open by wdfeed (pid 57); i6300ESB timer bound to 00:01.0; devices: watchdog0, watchdog1 (iTCO_wdt), watchdog2',
    ],
  ]);
});

test("today's kernel (UP, no PCI_MSI, no e1000e, no watchdog): each failure says why", (t) => {
  const up: HardwareObservation = {
    cpus: '0\n1\n',
    net: 'eth0 52:54:00:31:00:11 2 /sys/devices/pci0000:00/0000:00:03.0/virtio0 virtio_net',
    pci: [
      '0000:00:01.0 0x8086:0x25ab 0x00 -',
      '0000:00:02.0 0x8086:0x10d3 0x00 -',
      '0000:00:03.0 0x1af4:0x1000 0x00 -',
    ].join('\n'),
    interrupts: '',
    watchdog: '',
  };
  const got = verdicts(
    up,
    EXPECTED,
    'APIC: NR_CPUS/possible_cpus limit of 1 reached. Processor 1/0x1 ignored.\n',
  );
  t.deepEqual(
    got.filter(([, ok]) => ok).map(([name]) => name),
    ['NIC eth0'],
  );
  const detail = Object.fromEntries(got.map(([name, , d]) => [name, d]));
  t.is(
    detail['CPUs online'],
    '1 of -smp 2 online (0), nproc 1 (kernel: "NR_CPUS/possible_cpus limit of 1 reached")',
  );
  t.is(
    detail['NIC eth1'],
    'no interface eth1 (want e1000e 8086:10d3, driver e1000e); interfaces: eth0 52:54:00:31:00:11 (virtio_net); 8086:10d3 at 00:02.0 has no driver',
  );
  t.is(detail['PCI order'], 'not every interface is on a PCI device (see the NIC checks)');
  t.is(
    detail['MSI-X eth0'],
    '00:03.0 1af4:1000 uses legacy INTx, no MSI-X vector (a kernel without CONFIG_PCI_MSI has none)',
  );
  t.is(detail['watchdog open'], 'no i6300ESB timer device (the kernel lacks its driver); devices: none');
});

test('wrong MAC, model or driver; PCI order not reversed; watchdog present but not open, or another one open', (t) => {
  const swapped: HardwareObservation = {
    ...GOOD,
    net: [
      'eth0 52:54:00:31:00:99 2 /sys/devices/pci0000:00/0000:00:02.0 e1000e',
      'eth1 52:54:00:31:01:11 3 /sys/devices/pci0000:00/0000:00:03.0/virtio0 virtio_net',
    ].join('\n'),
    watchdog: 'dev watchdog0\nbound 0000:00:01.0\n',
  };
  const detail = Object.fromEntries(verdicts(swapped).map(([name, ok, d]) => [name, [ok, d]]));
  t.deepEqual(detail['NIC eth0'], [
    false,
    'MAC 52:54:00:31:00:99, not 52:54:00:31:00:11; on 8086:10d3, not the virtio-net-pci 1af4:1000; driver e1000e, not virtio_net (52:54:00:31:00:99 on 00:02.0 8086:10d3 (virtio-net-pci), driver e1000e)',
  ]);
  t.false(detail['PCI order']?.[0]);
  t.deepEqual(detail['watchdog open'], [
    false,
    'no process holds a watchdog open (i6300ESB timer bound to 00:01.0; devices: watchdog0): the image runs no feeder',
  ]);
  // softdog open (a kernel whose hardware watchdog came later) is no hardware watchdog.
  const soft = verdicts({
    ...GOOD,
    watchdog: 'open wdfeed 57 /dev/watchdog0\ndev watchdog0 softdog\nbound 0000:00:01.0\n',
  });
  t.deepEqual(
    soft.find(([n]) => n === 'watchdog open'),
    [
      'watchdog open',
      false,
      'only softdog is open (watchdog0 by wdfeed), not a hardware watchdog; i6300ESB timer bound to 00:01.0',
    ],
  );
});

test('only the checks the cell names; probes that never ran are "not checked"', (t) => {
  t.deepEqual(
    verdicts(GOOD, { ...EXPECTED, checks: ['boot', 'cpus'] }).map(([n]) => n),
    ['CPUs online'],
  );
  const none = verdicts({});
  t.true(
    none.every(([, ok, d]) => !ok && d.startsWith('not checked')),
    JSON.stringify(none),
  );
  t.is(none.length, 7);
});

test('the negative: no interface on the left-out model, the carried one fine, one DEGRADED line naming it', (t) => {
  const e: HardwareExpectation = {
    checks: ['cpus', 'nics', 'degraded'],
    cpus: 2,
    interfaces: [
      {
        name: 'eth0',
        mac: '52:54:00:31:00:11',
        model: 'tulip',
        pci: '1011:0019',
        msix: false,
        drivers: ['tulip'],
        leftOut: true,
      },
      {
        name: 'eth1',
        mac: '52:54:00:31:01:11',
        model: 'e1000',
        pci: '8086:100e',
        msix: false,
        drivers: ['e1000'],
      },
    ],
    pciOrder: 'names',
    watchdog: null,
  };
  const o: HardwareObservation = {
    cpus: '0-1\n2\n',
    net: 'eth1 52:54:00:31:01:11 2 /sys/devices/pci0000:00/0000:00:03.0 e1000',
    pci: '0000:00:02.0 0x1011:0x0019 0x41 -\n0000:00:03.0 0x8086:0x100e 0x03 -',
  };
  const degraded =
    'lvs-image: FAILED interface eth0: no interface has MAC 52:54:00:31:00:11\n' +
    'lvs-image: DEGRADED lv1 mode=rules services=1 realservers=2 failed=interface eth0,link eth0,address eth0,vip eth0:100\n';
  t.deepEqual(verdicts(o, e, degraded), [
    ['CPUs online', true, '2 of -smp 2 online (0-1), nproc 2'],
    [
      'NIC eth0',
      true,
      'no interface, as it must be: 1011:0019 (tulip) at 00:02.0 has no driver in the image',
    ],
    ['NIC eth1', true, '52:54:00:31:01:11 on 00:03.0 8086:100e (e1000), driver e1000'],
    [
      'DEGRADED line',
      true,
      '`lvs-image: DEGRADED lv1 mode=rules services=1 realservers=2 failed=interface eth0,link eth0,address eth0,vip eth0:100`',
    ],
  ]);
  // Before /init printed DEGRADED: the FAILED lines, then ready.
  const ready =
    'lvs-image: FAILED interface eth0: no interface has MAC 52:54:00:31:00:11\nlvs-image: ready lv1 mode=rules services=1 realservers=2\n';
  t.deepEqual(verdicts(o, e, ready).pop(), [
    'DEGRADED line',
    false,
    'no `lvs-image: DEGRADED` line; /init said `lvs-image: ready lv1 mode=rules services=1 realservers=2` though interface eth0 never came up',
  ]);
  t.deepEqual(verdicts(o, e, degraded.replace('interface eth0,', '')).pop()?.slice(0, 2), [
    'DEGRADED line',
    false,
  ]);
  // An image that drives the model is no negative.
  const driven = {
    ...o,
    net: `eth0 52:54:00:31:00:11 3 /sys/devices/pci0000:00/0000:00:02.0 tulip\n${o.net ?? ''}`,
  };
  t.deepEqual(verdicts(driven, e, degraded)[1], [
    'NIC eth0',
    false,
    'eth0 came up on tulip: this image drives tulip; the cell needs one whose spec leaves it out (test/fixtures/hardware/left-out.yaml)',
  ]);
});

test('watchdogProbe: the bound driver folder quoted (it has a space), globs outside; a path needing quotes refused', (t) => {
  const probe = watchdogProbe({ dir: '/sys/bus/pci/drivers/i6300ESB timer', glob: '0000:*' });
  t.true(probe.includes('for x in "/sys/bus/pci/drivers/i6300ESB timer"/0000:*; do'), probe);
  t.throws(() => watchdogProbe({ dir: '/sys/$(reboot)', glob: '*' }), { message: /quoting/ });
  t.throws(() => watchdogProbe({ dir: '/sys', glob: 'a b' }), { message: /quoting/ });
});
