/**
 * The dnsmasq configuration `serve --dhcp proxy|full` runs with, as a pure function of a small plan
 * (golden-tested). dnsmasq does DHCP only: DNS off (`port=0`), its TFTP off (our server does TFTP).
 *
 * Clients are told apart by client-arch (RFC 4578; IANA): BIOS 0, UEFI x86-64 PXE 7 (or 9), UEFI x86-64 HTTP
 * boot 16; and iPXE by option 175. Each firmware gets the loader the plan names:
 * - BIOS `ipxe` (default): a PXE ROM gets undionly.kpxe over TFTP, iPXE then gets the site's boot.ipxe (over HTTP
 *   when HTTP is on), which picks the director script by MAC; BIOS `pxelinux`: pxelinux.0, which reads
 *   pxelinux.cfg/01-<mac> over TFTP.
 * - UEFI `ipxe` (default): snponly.efi, then boot.ipxe as above; UEFI `grub`: grubnetx64.efi, which reads
 *   grub/grub.cfg over TFTP and picks the director by MAC. snponly.efi is iPXE driving only the NIC it was loaded
 *   from, through the firmware's SNP (as undionly.kpxe does through UNDI); ipxe.efi, with iPXE's own drivers, tries
 *   every NIC in bus order, and on a director whose first NIC faces a network without this DHCP it waits out a
 *   whole DHCP timeout there first (measured: 25 s under QEMU).
 * - UEFI HTTP boot (the firmware fetches one URL, no TFTP): the reply carries vendor class `HTTPClient` and the URL
 *   of snponly.efi, whatever the UEFI loader (Debian 12's grubnetx64.efi has no http module); iPXE goes on as above.
 * With `routerAdvert`, dnsmasq also answers IPv6 router solicitations (see DnsmasqPlan).
 */

/** DHCP mode: beside an existing DHCP server (no addresses handed out), or the only one (isolated lab). */
export type DhcpMode = 'proxy' | 'full';

/** Everything the generated config depends on. */
export interface DnsmasqPlan {
  mode: DhcpMode;
  /** Address clients fetch boot files from (our TFTP and HTTP servers). */
  serverAddress: string;
  /** Interface to answer on; when absent, dnsmasq listens on `serverAddress`. */
  interface?: string;
  /** proxy: the network to answer PXE requests on, e.g. `10.10.31.0`. */
  network?: string;
  /** full: first and last address handed out. */
  range?: [string, string];
  /** full: netmask of the range (default 255.255.255.0). */
  netmask?: string;
  tftpPort: number;
  /** Port of our HTTP server; undefined with --no-http (iPXE then fetches boot.ipxe over TFTP). */
  httpPort?: number;
  leaseFile: string;
  /** Script iPXE runs first (default `boot.ipxe`). */
  ipxeScript?: string;
  /** What BIOS clients boot (default ipxe). */
  biosLoader?: BiosLoader;
  /** What UEFI PXE clients boot (default ipxe). */
  uefiLoader?: UefiLoader;
  /**
   * Answer IPv6 router solicitations on `interface` (RA only, router lifetime 0: no default route, no DHCPv6) with
   * the prefix of the interface's own IPv6 address. iPXE boots only once every configurator is done, and its IPv6
   * one gives up on a silent network after about 13 s.
   */
  routerAdvert?: boolean;
}

/** BIOS boot loaders the site root holds. */
export type BiosLoader = 'ipxe' | 'pxelinux';
/** UEFI boot loaders the site root holds. */
export type UefiLoader = 'ipxe' | 'grub';

/** Client classes by client-arch; the PXE client-system-architecture name for proxy DHCP's pxe-service. */
const CLIENTS = [
  { tag: 'bios', arch: [0], csa: 'x86PC' },
  { tag: 'efi64', arch: [7, 9], csa: 'x86-64_EFI' },
  { tag: 'efi64http', arch: [16], csa: undefined },
] as const;

/** iPXE for UEFI clients, PXE and HTTP boot alike. */
const UEFI_IPXE = 'snponly.efi';

/** The file each loader boots first, per firmware; `chainsIpxe`: it is iPXE, which then asks for boot.ipxe. */
const LOADER_FILES: Record<
  BiosLoader | UefiLoader,
  { file: Partial<Record<'bios' | 'efi64', string>>; chainsIpxe: boolean }
> = {
  ipxe: { file: { bios: 'undionly.kpxe', efi64: UEFI_IPXE }, chainsIpxe: true },
  pxelinux: { file: { bios: 'pxelinux.0' }, chainsIpxe: false },
  grub: { file: { efi64: 'grubnetx64.efi' }, chainsIpxe: false },
};

function ipxeUrl(plan: DnsmasqPlan): string {
  const script = plan.ipxeScript ?? 'boot.ipxe';
  const base = httpBase(plan);
  return base === undefined ? script : `${base}/${script}`;
}

function listenLines(plan: DnsmasqPlan): string[] {
  return plan.interface !== undefined
    ? [`interface=${plan.interface}`, 'bind-interfaces']
    : [`listen-address=${plan.serverAddress}`, 'bind-interfaces'];
}

function rangeLines(plan: DnsmasqPlan): string[] {
  if (plan.mode === 'proxy') return [`dhcp-range=${plan.network ?? plan.serverAddress},proxy`];
  const [first, last] = plan.range ?? ['', ''];
  return [`dhcp-range=${first},${last},${plan.netmask ?? '255.255.255.0'},1h`, 'dhcp-authoritative'];
}

function httpBase(plan: DnsmasqPlan): string | undefined {
  return plan.httpPort === undefined
    ? undefined
    : `http://${plan.serverAddress}${plan.httpPort === 80 ? '' : `:${plan.httpPort}`}`;
}

function bootLines(plan: DnsmasqPlan): string[] {
  const lines = ['dhcp-match=set:ipxe,175'];
  for (const c of CLIENTS)
    for (const a of c.arch) lines.push(`dhcp-match=set:${c.tag},option:client-arch,${a}`);
  // With a TFTP port other than 69 a PXE ROM cannot reach us (DHCP has no port field): say so in the file.
  if (plan.tftpPort !== 69)
    lines.push(`# NOTE: TFTP runs on port ${plan.tftpPort}; PXE ROMs only ever ask port 69`);
  const server = plan.serverAddress;
  const loaders = { bios: plan.biosLoader ?? 'ipxe', efi64: plan.uefiLoader ?? 'ipxe' } as const;
  const fileOf = (fw: 'bios' | 'efi64'): string => LOADER_FILES[loaders[fw]].file[fw] ?? '';
  if (plan.mode === 'proxy') {
    // Proxy DHCP answers PXE ROMs through the PXE menu options; the boot file is named with its suffix.
    for (const c of CLIENTS)
      if (c.csa !== undefined)
        lines.push(
          `pxe-service=tag:!ipxe,${c.csa},"lvs-image: ${loaders[c.tag]}",${fileOf(c.tag)},${server}`,
        );
  }
  // Each line's tags exclude every other line's, so the order of the lines does not matter. A client that sends no
  // client-arch is taken for BIOS.
  const fw = { bios: 'tag:!efi64,tag:!efi64http', efi64: 'tag:efi64' } as const;
  for (const f of ['efi64', 'bios'] as const) {
    if (LOADER_FILES[loaders[f]].chainsIpxe) {
      lines.push(`dhcp-boot=tag:!ipxe,${fw[f]},${fileOf(f)},,${server}`);
      lines.push(`dhcp-boot=tag:ipxe,${fw[f]},${ipxeUrl(plan)},,${server}`);
    } else lines.push(`dhcp-boot=${fw[f]},${fileOf(f)},,${server}`);
  }
  const base = httpBase(plan);
  if (base === undefined)
    lines.push('# NOTE: HTTP is off: UEFI HTTP boot clients (client-arch 16) get no answer');
  else {
    // UEFI HTTP boot: the firmware takes the offer only with vendor class HTTPClient and fetches the URL itself.
    lines.push('dhcp-option-force=tag:efi64http,option:vendor-class,HTTPClient');
    lines.push(`dhcp-boot=tag:efi64http,${base}/${UEFI_IPXE},,${server}`);
  }
  return lines;
}

function routerAdvertLines(plan: DnsmasqPlan): string[] {
  if (plan.routerAdvert !== true) return [];
  const ifname = plan.interface ?? '';
  return [
    '# IPv6: router advertisements only (no DHCPv6), router lifetime 0 (no default route), prefix of the interface',
    'enable-ra',
    `dhcp-range=::,constructor:${ifname},ra-only`,
    `ra-param=${ifname},0,0`,
  ];
}

/** A class of DHCP client: BIOS PXE, UEFI PXE, UEFI HTTP boot. */
export type BootClient = 'bios' | 'efi64' | 'efi64http';

/**
 * The files of the root that DHCP answers name for these loaders (boot.ipxe when a loader chains iPXE), for the
 * given clients (default: all; UEFI HTTP boot only when HTTP is on).
 */
export function bootFilesFor(o: {
  biosLoader?: BiosLoader;
  uefiLoader?: UefiLoader;
  httpPort?: number;
  clients?: readonly BootClient[];
}): string[] {
  const clients = o.clients ?? ['bios', 'efi64', 'efi64http'];
  const bios = LOADER_FILES[o.biosLoader ?? 'ipxe'];
  const uefi = LOADER_FILES[o.uefiLoader ?? 'ipxe'];
  const http = o.httpPort !== undefined && clients.includes('efi64http');
  const files = [
    ...(clients.includes('bios') ? [bios.file.bios ?? '', ...(bios.chainsIpxe ? ['boot.ipxe'] : [])] : []),
    ...(clients.includes('efi64') ? [uefi.file.efi64 ?? '', ...(uefi.chainsIpxe ? ['boot.ipxe'] : [])] : []),
    ...(http ? [UEFI_IPXE, 'boot.ipxe'] : []),
  ];
  // boot.ipxe last, as the loaders fetch it.
  return [...files.filter((f) => f !== 'boot.ipxe'), ...files.filter((f) => f === 'boot.ipxe')].filter(
    (f, i, all) => f !== '' && all.indexOf(f) === i,
  );
}

/** Renders dnsmasq.conf for `plan` (pure). */
export function renderDnsmasqConfig(plan: DnsmasqPlan): string {
  const lines = [
    `# dnsmasq configuration generated by lvs-image serve (--dhcp ${plan.mode}); do not edit`,
    'port=0',
    'no-resolv',
    'no-hosts',
    ...listenLines(plan),
    ...rangeLines(plan),
    `dhcp-leasefile=${plan.leaseFile}`,
    'log-dhcp',
    ...bootLines(plan),
    ...routerAdvertLines(plan),
  ];
  return lines.join('\n') + '\n';
}

/** The dnsmasq argv (without the binary) that runs `confFile` in the foreground with logs on stderr (pure). */
export function dnsmasqArgs(confFile: string, pidFile: string): string[] {
  return [
    '--keep-in-foreground',
    `--conf-file=${confFile}`,
    `--pid-file=${pidFile}`,
    '--log-facility=-',
    '--user=root',
  ];
}
