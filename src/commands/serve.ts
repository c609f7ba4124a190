/**
 * `lvs-image serve [SPEC | --root DIR]`: TFTP + HTTP over a site's output root, DHCP through dnsmasq when asked.
 * Runs until SIGINT or SIGTERM, then closes every socket, stops dnsmasq and returns (exit status 0).
 */
import type { Command } from 'commander';
import { isIPv4 } from 'node:net';
import { DEFAULT_OUT_DIR, siteRoot } from '../layout.js';
import { SpecError, type Problem } from '../lib/errors.js';
import type { BiosLoader, UefiLoader } from '../serve/dnsmasq-config.js';
import { startServe, type ServeOptions } from '../serve/index.js';
import { startProgress } from '../serve/progress.js';
import { formatEvent, formatEventJson, type ServeEvent } from '../serve/transfer-log.js';
import { loadSpec } from '../spec/load.js';

/** Raw command-line options of `serve`, as commander hands them over. */
export interface ServeFlags {
  root?: string;
  bind: string;
  tftpPort: string;
  httpPort: string;
  http: boolean;
  dhcp: string;
  range?: string;
  interface?: string;
  biosLoader: string;
  uefiLoader: string;
  ipv6Ra?: boolean;
}

function port(flag: string, value: string, problems: Problem[]): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535))
    problems.push({ message: `${flag} ${value}: not a port number 0..65535`, hint: '0 picks a free port' });
  return n;
}

/** Checks the flags and turns them into ServeOptions (pure apart from throwing SpecError with every problem). */
export function parseServeFlags(
  flags: ServeFlags,
  specRoot: string | undefined,
): Omit<ServeOptions, 'onEvent' | 'onDhcpLine'> {
  const problems: Problem[] = [];
  const root = flags.root ?? specRoot;
  if (root === undefined)
    problems.push({ message: 'nothing to serve', hint: 'give a SPEC (serves out/<name>) or --root DIR' });
  if (flags.root !== undefined && specRoot !== undefined)
    problems.push({ message: 'give either SPEC or --root, not both' });
  if (!isIPv4(flags.bind))
    problems.push({
      message: `--bind ${flags.bind}: not an IPv4 address`,
      hint: '0.0.0.0 listens on every interface',
    });
  const tftpPort = port('--tftp-port', flags.tftpPort, problems);
  const httpPort = flags.http ? port('--http-port', flags.httpPort, problems) : undefined;
  const dhcp = flags.dhcp;
  if (dhcp !== 'off' && dhcp !== 'proxy' && dhcp !== 'full')
    problems.push({ message: `--dhcp ${dhcp}: must be off, proxy or full` });
  let range: [string, string] | undefined;
  if (flags.range !== undefined) {
    const [a, b, ...rest] = flags.range.split(',');
    if (a === undefined || b === undefined || rest.length > 0 || !isIPv4(a) || !isIPv4(b))
      problems.push({ message: `--range ${flags.range}: expected FIRST,LAST IPv4 addresses` });
    else range = [a, b];
  }
  if (dhcp === 'full' && flags.range === undefined)
    problems.push({
      message: '--dhcp full needs --range FIRST,LAST',
      hint: 'e.g. --range 10.10.31.100,10.10.31.199',
    });
  if (dhcp !== 'full' && flags.range !== undefined)
    problems.push({ message: '--range only applies to --dhcp full' });
  if (flags.biosLoader !== 'ipxe' && flags.biosLoader !== 'pxelinux')
    problems.push({ message: `--bios-loader ${flags.biosLoader}: must be ipxe or pxelinux` });
  if (flags.uefiLoader !== 'ipxe' && flags.uefiLoader !== 'grub')
    problems.push({ message: `--uefi-loader ${flags.uefiLoader}: must be ipxe or grub` });
  if (flags.ipv6Ra === true && (dhcp === 'off' || flags.interface === undefined))
    problems.push({
      message: '--ipv6-ra needs --dhcp proxy|full and --interface',
      hint: "dnsmasq advertises the prefix of that interface's own IPv6 address",
    });
  if (problems.length > 0) throw new SpecError(problems);
  return {
    root: root!,
    bind: flags.bind,
    tftpPort,
    ...(httpPort !== undefined ? { httpPort } : {}),
    dhcp: dhcp as ServeOptions['dhcp'],
    ...(range !== undefined ? { range } : {}),
    ...(flags.interface !== undefined ? { interface: flags.interface } : {}),
    biosLoader: flags.biosLoader as BiosLoader,
    uefiLoader: flags.uefiLoader as UefiLoader,
    ...(flags.ipv6Ra === true ? { routerAdvert: true } : {}),
  };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Registers `serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'serve a site root over TFTP (RFC 1350/2347/2348/2349/7440) and HTTP, with DHCP through dnsmasq; runs until Ctrl-C',
    )
    .argument('[spec]', 'site spec: serves its build output out/<name>')
    .option('--root <dir>', "serve this folder instead of a spec's output")
    .option('--bind <addr>', 'IPv4 address to listen on', '0.0.0.0')
    .option('--tftp-port <n>', 'TFTP port (ports below 1024 need root)', '69')
    .option('--http-port <n>', 'HTTP port for iPXE', '80')
    .option('--no-http', 'do not start the HTTP server')
    .option(
      '--dhcp <mode>',
      'off, proxy (PXE answers beside an existing DHCP server) or full (isolated lab)',
      'off',
    )
    .option('--range <first,last>', 'addresses --dhcp full hands out')
    .option('--interface <if>', 'interface dnsmasq answers on')
    .option(
      '--bios-loader <loader>',
      'what BIOS clients boot: ipxe (undionly.kpxe, then boot.ipxe) or pxelinux',
      'ipxe',
    )
    .option(
      '--uefi-loader <loader>',
      'what UEFI PXE clients boot: ipxe (snponly.efi, then boot.ipxe) or grub (grubnetx64.efi)',
      'ipxe',
    )
    .option(
      '--ipv6-ra',
      "answer IPv6 router solicitations (RA only, no default route) with the interface's prefix: iPXE otherwise waits about 13 s for IPv6",
    )
    .action(async (spec: string | undefined, flags: ServeFlags, cmd: Command) => {
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      const specRoot =
        spec !== undefined ? siteRoot(DEFAULT_OUT_DIR, (await loadSpec(spec)).spec.name) : undefined;
      const opts = parseServeFlags(flags, specRoot);
      // A status line (transfers running, bytes served) only on a terminal and never with --json.
      let active = (): number => 0;
      const progress =
        !json && process.stderr.isTTY ? startProgress(process.stderr, () => active()) : undefined;
      const say = (line: string, e?: ServeEvent): void =>
        progress !== undefined ? progress.log(line, e) : void process.stderr.write(line + '\n');
      const serving = await startServe({
        ...opts,
        onEvent: (e) => say(json ? formatEventJson(e) : formatEvent(e), e),
        onDhcpLine: (line) =>
          say(
            json
              ? JSON.stringify({ time: new Date().toISOString(), protocol: 'dhcp', line })
              : `dhcp ${line}`,
          ),
      }).catch((err: unknown) => {
        progress?.stop();
        throw err;
      });
      active = () => serving.tftp.active();
      const listening = {
        event: 'listening',
        root: opts.root,
        bind: opts.bind,
        tftpPort: serving.tftp.port,
        httpPort: serving.http?.port ?? null,
        dhcp: opts.dhcp,
        dnsmasqPid: serving.dnsmasq?.pid ?? null,
      };
      say(
        json
          ? JSON.stringify(listening)
          : `serving ${opts.root}: tftp ${opts.bind}:${listening.tftpPort}, http ${listening.httpPort === null ? 'off' : `${opts.bind}:${listening.httpPort}`}, dhcp ${opts.dhcp}${serving.dnsmasq ? ` (dnsmasq pid ${serving.dnsmasq.pid})` : ''}; Ctrl-C stops`,
      );
      for (const f of serving.missingBootFiles)
        say(
          json
            ? JSON.stringify({ event: 'warning', missing: f })
            : `warning: ${opts.root} has no ${f}, which the DHCP answers name (build the site with lvs-image build, or pick other --bios-loader/--uefi-loader)`,
        );
      const signal = await waitForSignal();
      await serving.close();
      progress?.stop();
      say(json ? JSON.stringify({ event: 'stopped', signal }) : `stopped (${signal})`);
    });
}
