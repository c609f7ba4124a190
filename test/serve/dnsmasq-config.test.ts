import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dnsmasqArgs, renderDnsmasqConfig, type DnsmasqPlan } from '../../src/serve/dnsmasq-config.js';
import { ROOT } from '../_helpers/cli.js';

const GOLDEN = path.join(ROOT, 'test/fixtures/golden/serve');

const plans: Record<string, DnsmasqPlan> = {
  'dnsmasq-proxy.conf': {
    mode: 'proxy',
    serverAddress: '10.10.31.1',
    interface: 'eth1',
    network: '10.10.31.0',
    tftpPort: 69,
    httpPort: 80,
    leaseFile: '/tmp/x/leases',
  },
  'dnsmasq-full.conf': {
    mode: 'full',
    serverAddress: '10.99.1.1',
    interface: 'lvsi-br',
    range: ['10.99.1.100', '10.99.1.150'],
    netmask: '255.255.255.0',
    tftpPort: 69,
    httpPort: 8080,
    leaseFile: '/tmp/x/leases',
  },
  'dnsmasq-full-no-http.conf': {
    mode: 'full',
    serverAddress: '10.99.1.1',
    range: ['10.99.1.100', '10.99.1.150'],
    tftpPort: 6969,
    leaseFile: '/tmp/x/leases',
  },
};

for (const [name, plan] of Object.entries(plans)) {
  test(`golden ${name}`, async (t) => {
    const text = renderDnsmasqConfig(plan);
    const file = path.join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN === '1') {
      await mkdir(GOLDEN, { recursive: true });
      await writeFile(file, text);
    }
    t.is(text, await readFile(file, 'utf8'));
  });
}

test('DNS and dnsmasq TFTP stay off; iPXE is told to fetch boot.ipxe, PXE ROMs get iPXE', (t) => {
  const text = renderDnsmasqConfig(plans['dnsmasq-full.conf']!);
  t.regex(text, /^port=0$/m);
  t.notRegex(text, /enable-tftp/);
  t.regex(text, /^dhcp-boot=tag:ipxe,http:\/\/10\.99\.1\.1:8080\/boot\.ipxe,,10\.99\.1\.1$/m);
  t.regex(text, /^dhcp-boot=tag:!ipxe,tag:efi64,ipxe\.efi,,10\.99\.1\.1$/m);
  t.regex(text, /^dhcp-range=10\.99\.1\.100,10\.99\.1\.150,255\.255\.255\.0,1h$/m);
  t.regex(renderDnsmasqConfig(plans['dnsmasq-proxy.conf']!), /^dhcp-range=10\.10\.31\.0,proxy$/m);
});

test('dnsmasq runs in the foreground with its log on stderr and our pid file', (t) => {
  t.deepEqual(dnsmasqArgs('/d/c.conf', '/d/p.pid').slice(0, 4), [
    '--keep-in-foreground',
    '--conf-file=/d/c.conf',
    '--pid-file=/d/p.pid',
    '--log-facility=-',
  ]);
});
