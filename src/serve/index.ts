/**
 * `serve`: TFTP + HTTP over one root, and dnsmasq for DHCP when asked. `startServe` starts everything (or
 * nothing: whatever started is closed again when a later part fails) and returns a handle whose `close`
 * stops it all; the command keeps the process alive until a signal calls it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SpecError } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import { bootFilesFor, type BiosLoader, type DhcpMode, type UefiLoader } from './dnsmasq-config.js';
import { startDnsmasq, type Dnsmasq } from './dnsmasq.js';
import { startHttpServer, type HttpServer } from './http.js';
import { startTftpServer, type TftpServer } from './tftp-server.js';
import type { ServeEvent } from './transfer-log.js';

/** What to serve, where, and how DHCP is handled. */
export interface ServeOptions {
  root: string;
  bind: string;
  tftpPort: number;
  /** undefined: no HTTP server. */
  httpPort?: number;
  dhcp: 'off' | DhcpMode;
  range?: [string, string];
  interface?: string;
  /** What BIOS and UEFI PXE clients boot (default ipxe each); UEFI HTTP boot always gets snponly.efi. */
  biosLoader?: BiosLoader;
  uefiLoader?: UefiLoader;
  /** Answer IPv6 router solicitations on `interface` (see DnsmasqPlan.routerAdvert). */
  routerAdvert?: boolean;
  onEvent?: (e: ServeEvent) => void;
  /** dnsmasq's log lines. */
  onDhcpLine?: (line: string) => void;
}

/** A running `serve`. */
export interface Serving {
  tftp: TftpServer;
  http?: HttpServer;
  dnsmasq?: Dnsmasq;
  /** Files of the root that the DHCP answers name but that are missing (the command warns about each). */
  missingBootFiles: string[];
  /** Stops dnsmasq, then the servers; resolves when every socket is closed. */
  close(): Promise<void>;
}

/** One IPv4 address of an interface, as `ip -j -4 addr` lists it. */
export interface InterfaceAddress {
  name: string;
  address: string;
  netmask: string;
}

/** Parses `ip -j -4 addr show` output (pure). */
export function parseIpAddrJson(json: string): InterfaceAddress[] {
  const links = JSON.parse(json) as {
    ifname?: string;
    addr_info?: { family?: string; local?: string; prefixlen?: number }[];
  }[];
  return links.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.local !== undefined)
      .map((a) => ({ name: l.ifname ?? '', address: a.local!, netmask: prefixToNetmask(a.prefixlen ?? 32) })),
  );
}

/** 24 → 255.255.255.0 (pure). */
export function prefixToNetmask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

// NOTE: os.networkInterfaces() skips interfaces without carrier, such as a tap whose guest is not started yet.
async function findIpv4(by: { interface?: string; address?: string }): Promise<InterfaceAddress | undefined> {
  const { stdout } = await run('ip', ['-j', '-4', 'addr', 'show'], { timeoutMs: 10_000 });
  return parseIpAddrJson(stdout).find(
    (a) =>
      (by.interface === undefined || a.name === by.interface) &&
      (by.address === undefined || a.address === by.address),
  );
}

/** Whether `ifname` has an IPv6 address dnsmasq can build a prefix from (global scope, not temporary). */
async function hasGlobalIpv6(ifname: string): Promise<boolean> {
  const { stdout } = await run('ip', ['-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'global'], {
    timeoutMs: 10_000,
    reject: false,
  });
  // ip prints nothing (exit 1) for an interface that does not exist: no address either.
  return (JSON.parse(stdout || '[]') as { addr_info?: unknown[] }[]).some(
    (l) => (l.addr_info ?? []).length > 0,
  );
}

/** Network address of `address` under `netmask` (pure), e.g. 10.10.31.7/255.255.255.0 → 10.10.31.0. */
export function networkOf(address: string, netmask: string): string {
  const a = address.split('.').map(Number);
  const m = netmask.split('.').map(Number);
  return a.map((x, i) => x & (m[i] ?? 0)).join('.');
}

async function dhcpSite(
  opts: ServeOptions,
): Promise<{ serverAddress: string; netmask: string; interface?: string }> {
  const wildcard = opts.bind === '0.0.0.0';
  const found = await findIpv4(
    wildcard
      ? { interface: opts.interface ?? '\0' }
      : { address: opts.bind, ...(opts.interface !== undefined ? { interface: opts.interface } : {}) },
  );
  if (found === undefined) {
    throw new SpecError({
      message: wildcard
        ? `--dhcp ${opts.dhcp} needs an address to hand to clients`
        : `--bind ${opts.bind} is not an address of ${opts.interface ?? 'any interface'} here`,
      hint: 'pass --bind with an address of the boot network, or --interface naming its interface',
    });
  }
  return {
    serverAddress: found.address,
    netmask: found.netmask,
    ...(opts.interface !== undefined ? { interface: opts.interface } : { interface: found.name }),
  };
}

/** Starts TFTP, HTTP and (with --dhcp) dnsmasq; on a failure, stops what already runs and rethrows. */
export async function startServe(opts: ServeOptions): Promise<Serving> {
  const emit = opts.onEvent ?? (() => undefined);
  const site = opts.dhcp === 'off' ? undefined : await dhcpSite(opts);
  if (opts.dhcp === 'full' && opts.range === undefined)
    throw new SpecError({
      message: '--dhcp full needs --range FIRST,LAST',
      hint: 'e.g. --range 10.10.31.100,10.10.31.199',
    });
  if (opts.routerAdvert === true && !(await hasGlobalIpv6(site?.interface ?? '')))
    throw new SpecError({
      message: `--ipv6-ra: ${site?.interface ?? '(no interface)'} has no IPv6 address of global scope to advertise the prefix of`,
      hint: `add one, e.g. \`ip -6 addr add fd6c:7673::1/64 dev ${site?.interface ?? 'IF'} nodad\`, or leave --ipv6-ra out`,
    });
  // Every file the DHCP answers name should be in the root, or a client fails far from here. A warning, not an
  // error: a root may serve only some firmware (e.g. QEMU's iPXE ROM needs neither undionly.kpxe nor snponly.efi).
  const missingBootFiles =
    site === undefined ? [] : bootFilesFor(opts).filter((f) => !existsSync(path.join(opts.root, f)));
  const stops: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const tftp = await startTftpServer({
      root: opts.root,
      address: opts.bind,
      port: opts.tftpPort,
      onEvent: emit,
    });
    stops.push(() => tftp.close());
    const serving: Serving = { tftp, close: closeAll, missingBootFiles };
    if (opts.httpPort !== undefined) {
      serving.http = await startHttpServer({
        root: opts.root,
        address: opts.bind,
        port: opts.httpPort,
        onEvent: emit,
      });
      stops.push(() => serving.http!.close());
    }
    if (site !== undefined && opts.dhcp !== 'off') {
      serving.dnsmasq = await startDnsmasq(
        {
          mode: opts.dhcp,
          serverAddress: site.serverAddress,
          netmask: site.netmask,
          network: networkOf(site.serverAddress, site.netmask),
          tftpPort: tftp.port,
          ...(site.interface !== undefined ? { interface: site.interface } : {}),
          ...(serving.http !== undefined ? { httpPort: serving.http.port } : {}),
          ...(opts.range !== undefined ? { range: opts.range } : {}),
          ...(opts.biosLoader !== undefined ? { biosLoader: opts.biosLoader } : {}),
          ...(opts.uefiLoader !== undefined ? { uefiLoader: opts.uefiLoader } : {}),
          ...(opts.routerAdvert === true ? { routerAdvert: true } : {}),
        },
        opts.onDhcpLine,
      );
      stops.push(() => serving.dnsmasq!.stop());
    }
    return serving;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
