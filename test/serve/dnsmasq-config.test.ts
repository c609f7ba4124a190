import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  bootFilesFor,
  dnsmasqArgs,
  renderDnsmasqConfig,
  type DnsmasqPlan,
} from '../../src/serve/dnsmasq-config.js';
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
  'dnsmasq-full-ra.conf': {
    mode: 'full',
    serverAddress: '10.99.1.1',
    interface: 'lvsi-br',
    range: ['10.99.1.100', '10.99.1.150'],
    tftpPort: 69,
    httpPort: 80,
    leaseFile: '/tmp/x/leases',
    routerAdvert: true,
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
  t.regex(text, /^dhcp-boot=tag:ipxe,tag:efi64,http:\/\/10\.99\.1\.1:8080\/boot\.ipxe,,10\.99\.1\.1$/m);
  t.regex(text, /^dhcp-boot=tag:!ipxe,tag:efi64,snponly\.efi,,10\.99\.1\.1$/m);
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

/**
 * What dnsmasq would hand a client, read from the rendered lines: the tags its client-arch and option 175 set, then
 * every dhcp-boot line whose tags all hold (exactly one must), plus the vendor class it forces.
 */
function answer(
  text: string,
  client: { arch?: number; ipxe: boolean },
): { boot: string[]; vendorClass?: string } {
  const tags = new Set<string>();
  for (const m of text.matchAll(/^dhcp-match=set:([\w-]+),(.*)$/gm)) {
    const [, tag, what] = m;
    if (what === '175' && client.ipxe) tags.add(tag!);
    const arch = /^option:client-arch,(\d+)$/.exec(what ?? '');
    if (arch && Number(arch[1]) === client.arch) tags.add(tag!);
  }
  const holds = (conds: string[]): boolean =>
    conds.every((c) => (c.startsWith('tag:!') ? !tags.has(c.slice(5)) : tags.has(c.slice(4))));
  const boot = [...text.matchAll(/^dhcp-boot=(.*)$/gm)].flatMap((m) => {
    const parts = (m[1] ?? '').split(',');
    const conds = parts.filter((p) => p.startsWith('tag:'));
    return holds(conds) ? [parts[conds.length] ?? ''] : [];
  });
  const vc = [...text.matchAll(/^dhcp-option-force=(.*),option:vendor-class,(.*)$/gm)].find((m) =>
    holds((m[1] ?? '').split(',')),
  )?.[2];
  return { boot, ...(vc !== undefined ? { vendorClass: vc } : {}) };
}

const CLIENTS = [
  { name: 'BIOS PXE ROM', arch: 0, ipxe: false },
  { name: 'BIOS iPXE', arch: 0, ipxe: true },
  { name: 'PXE ROM without client-arch', ipxe: false },
  { name: 'UEFI PXE (arch 7)', arch: 7, ipxe: false },
  { name: 'UEFI PXE (arch 9)', arch: 9, ipxe: false },
  { name: 'UEFI iPXE', arch: 7, ipxe: true },
  { name: 'UEFI HTTP boot (arch 16)', arch: 16, ipxe: false },
] as const;

const URL = 'http://10.99.1.1:8080';
const EXPECTED: Record<string, Record<string, [string, string?]>> = {
  'ipxe/ipxe': {
    'BIOS PXE ROM': ['undionly.kpxe'],
    'BIOS iPXE': [`${URL}/boot.ipxe`],
    'PXE ROM without client-arch': ['undionly.kpxe'],
    'UEFI PXE (arch 7)': ['snponly.efi'],
    'UEFI PXE (arch 9)': ['snponly.efi'],
    'UEFI iPXE': [`${URL}/boot.ipxe`],
    'UEFI HTTP boot (arch 16)': [`${URL}/snponly.efi`, 'HTTPClient'],
  },
  'pxelinux/grub': {
    'BIOS PXE ROM': ['pxelinux.0'],
    'BIOS iPXE': ['pxelinux.0'],
    'PXE ROM without client-arch': ['pxelinux.0'],
    'UEFI PXE (arch 7)': ['grubnetx64.efi'],
    'UEFI PXE (arch 9)': ['grubnetx64.efi'],
    'UEFI iPXE': ['grubnetx64.efi'],
    'UEFI HTTP boot (arch 16)': [`${URL}/snponly.efi`, 'HTTPClient'],
  },
};

for (const mode of ['full', 'proxy'] as const)
  for (const [loaders, want] of Object.entries(EXPECTED))
    for (const c of CLIENTS)
      test(`${mode}, loaders ${loaders}: ${c.name} gets ${want[c.name]?.[0] ?? '?'}`, (t) => {
        const [biosLoader, uefiLoader] = loaders.split('/') as ['ipxe' | 'pxelinux', 'ipxe' | 'grub'];
        const text = renderDnsmasqConfig({
          ...plans['dnsmasq-full.conf']!,
          mode,
          ...(mode === 'proxy' ? { network: '10.99.1.0' } : {}),
          biosLoader,
          uefiLoader,
        });
        const got = answer(text, c);
        const [file, vendorClass] = want[c.name] ?? [];
        t.deepEqual(got.boot, [file], 'exactly one dhcp-boot line matches');
        t.is(got.vendorClass, vendorClass);
      });

test('without HTTP a UEFI HTTP boot client gets nothing, and the file says so', (t) => {
  const text = renderDnsmasqConfig(plans['dnsmasq-full-no-http.conf']!);
  t.deepEqual(answer(text, { arch: 16, ipxe: false }).boot, []);
  t.regex(text, /^# NOTE: HTTP is off: UEFI HTTP boot clients/m);
  t.deepEqual(answer(text, { arch: 0, ipxe: true }).boot, ['boot.ipxe']);
});

test('bootFilesFor: the files the DHCP answers name, which serve checks the root holds', (t) => {
  t.deepEqual(bootFilesFor({ httpPort: 80 }), ['undionly.kpxe', 'snponly.efi', 'boot.ipxe']);
  t.deepEqual(bootFilesFor({ biosLoader: 'pxelinux', uefiLoader: 'grub' }), ['pxelinux.0', 'grubnetx64.efi']);
  t.deepEqual(bootFilesFor({ httpPort: 80, clients: ['bios'] }), ['undionly.kpxe', 'boot.ipxe']);
  t.deepEqual(bootFilesFor({ uefiLoader: 'grub', httpPort: 80, clients: ['efi64'] }), ['grubnetx64.efi']);
  t.deepEqual(bootFilesFor({ clients: ['efi64http'] }), [], 'HTTP boot needs HTTP');
  t.deepEqual(bootFilesFor({ biosLoader: 'pxelinux', uefiLoader: 'grub', httpPort: 8080 }), [
    'pxelinux.0',
    'grubnetx64.efi',
    'snponly.efi',
    'boot.ipxe',
  ]);
});
