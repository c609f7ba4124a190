/**
 * Proxy DHCP end to end: the guest's addresses come from a plain DHCP server (a second dnsmasq, no PXE options)
 * in its own namespace, and `lvs-image serve --dhcp proxy` beside it only adds the boot answers. Topology, all
 * inside test-made namespaces: lab `-l` holds a bridge (10.99.3.1/24) with the guest's tap and one end of a veth
 * whose other end (10.99.3.2/24) is in `-d`, where the plain DHCP server runs.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { READY_PATTERN } from '../../src/runtime/console-contract.js';
import {
  configureLink,
  createBridge,
  createNetns,
  createTap,
  createVethPair,
  deleteNetns,
  labName,
  netnsExecArgs,
  runInNetns,
} from '../../src/lib/netns.js';
import { startGuest, type Guest } from '../../src/lib/qemu.js';
import { integrationTest } from '../_helpers/integration.js';
import { bootNics, buildReferenceImage, REFERENCE_NEEDS } from '../_helpers/reference-image.js';
import { startServeProcess, type ServeProcess } from '../_helpers/serve-process.js';

const NEEDS = ['ip', 'qemu-system-x86_64', 'dnsmasq', 'root', ...REFERENCE_NEEDS];

integrationTest(
  'a QEMU guest PXE-boots through serve --dhcp proxy beside a plain DHCP server',
  NEEDS,
  async (t) => {
    const [lab, dhcpNs] = [labName('x', 'l'), labName('x', 'd')];
    const image = await buildReferenceImage();
    const { siteRoot, hostname } = image;
    const held: { serve?: ServeProcess; guest?: Guest; dhcp?: ChildProcess } = {};
    t.teardown(async () => {
      await held.guest?.stop();
      await held.serve?.stop();
      held.dhcp?.kill('SIGTERM');
      await deleteNetns(lab);
      await deleteNetns(dhcpNs);
      image.remove();
    });
    await createNetns(lab);
    await createNetns(dhcpNs);
    await createBridge({ ns: lab, ifname: 'lvsi-br', cidr: '10.99.3.1/24' });
    await createTap({ ns: lab, ifname: 'lvsi-tapx', bridge: 'lvsi-br' });
    await createVethPair(
      { ns: lab, ifname: 'lvsi-vl' },
      { ns: dhcpNs, ifname: 'lvsi-vd', cidr: '10.99.3.2/24' },
    );
    await runInNetns(lab, 'ip', ['link', 'set', 'lvsi-vl', 'master', 'lvsi-br']);
    await configureLink({ ns: lab, ifname: 'lvsi-vl' });
    const [file, args] = netnsExecArgs(dhcpNs, 'dnsmasq', [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0',
      '--interface=lvsi-vd',
      '--bind-interfaces',
      '--dhcp-range=10.99.3.100,10.99.3.150,255.255.255.0,1h',
      '--dhcp-leasefile=/dev/null',
      '--log-facility=-',
    ]);
    held.dhcp = spawn(file, args, { stdio: 'ignore' });
    const serve = (held.serve = startServeProcess(
      ['--root', siteRoot, '--bind', '10.99.3.1', '--dhcp', 'proxy', '--interface', 'lvsi-br'],
      lab,
    ));
    await serve.waitFor((l) => l.event === 'listening');
    const guest = (held.guest = await startGuest({
      name: 'lvsi-pxe-proxy',
      nics: bootNics(image.macs, { kind: 'tap', ifname: 'lvsi-tapx' }),
      memoryMb: 512,
      netns: lab,
      consoleLog: path.join(path.dirname(siteRoot), 'console.log'),
    }));
    const ready = await guest.console.waitForLine(READY_PATTERN, 120_000, 'the ready line');
    t.is(ready[1], hostname);
    t.true(
      serve.lines.some(
        (l) => l.protocol === 'http' && String(l.file).endsWith('-initrd.img') && l.ok === true,
      ),
    );
  },
);
