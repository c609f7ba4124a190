/**
 * A QEMU guest PXE-boots from `lvs-image serve --dhcp full` over a tap device in a namespace this test creates
 * and deletes: QEMU's iPXE ROM (ipxe-qemu) gets an address and `boot.ipxe` over HTTP from dnsmasq's answer,
 * picks the director by MAC, chains its script, loads kernel and initrd over HTTP, and /init prints the ready line.
 * The image is the real reference build (test/_helpers/reference-image.ts), its own boot.ipxe and all.
 * The lab address 10.99.1.1/24 exists only inside the namespace.
 */
import path from 'node:path';
import { READY_PATTERN } from '../../src/runtime/console-contract.js';
import { createNetns, createTap, deleteNetns, labName } from '../../src/lib/netns.js';
import { startGuest, type Guest } from '../../src/lib/qemu.js';
import { integrationTest } from '../_helpers/integration.js';
import { bootNics, buildReferenceImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';
import { startServeProcess, type ServeProcess } from '../_helpers/serve-process.js';

const NEEDS = ['ip', 'qemu-system-x86_64', 'dnsmasq', 'root', ...REFERENCE_NEEDS];

integrationTest(
  'a QEMU guest PXE-boots the reference director image from serve --dhcp full and prints its ready line',
  NEEDS,
  async (t) => {
    const ns = labName('p', 'l');
    const tap = 'lvsi-tap0';
    const image = await buildReferenceImage();
    const { siteRoot, hostname } = image;
    const lab: { serve?: ServeProcess; guest?: Guest } = {};
    t.teardown(async () => {
      await lab.guest?.stop();
      await lab.serve?.stop();
      await deleteNetns(ns);
      image.remove();
    });
    await createNetns(ns);
    await createTap({ ns, ifname: tap, cidr: '10.99.1.1/24' });
    const serve = (lab.serve = startServeProcess(
      [
        '--root',
        siteRoot,
        '--bind',
        '10.99.1.1',
        '--dhcp',
        'full',
        '--range',
        '10.99.1.100,10.99.1.150',
        '--interface',
        tap,
      ],
      ns,
    ));
    const listening = await serve.waitFor((l) => l.event === 'listening');
    t.is(typeof listening.dnsmasqPid, 'number');
    const guest = (lab.guest = await startGuest({
      name: 'lvsi-pxe',
      nics: bootNics(image.macs, { kind: 'tap', ifname: tap }),
      memoryMb: 512,
      netns: ns,
      consoleLog: path.join(path.dirname(siteRoot), 'console.log'),
    }));
    const ready = await guest.console.waitForLine(READY_PATTERN, 90_000, 'the ready line');
    t.is(ready[1], hostname);
    const fetched = serve.lines.filter((l) => l.ok === true).map((l) => String(l.file));
    t.true(
      fetched.some((f) => f.endsWith('-initrd.img')),
      fetched.join(', '),
    );
    t.true(serve.lines.some((l) => l.protocol === 'dhcp' && /DHCPACK/.test(String(l.line))));
    t.is(await serve.stop(), 0);
  },
);
