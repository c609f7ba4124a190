/** What runs on the lab's hosts: the real servers' HTTP servers and, for a PXE boot, `lvs-image serve`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import { runInNetns, systemTool } from '../lib/netns.js';
import { bareAddress } from './plan/director-facts.js';
import { startDaemon, startProgram, type Daemon } from './daemon.js';
import type { LabPlan, LabRealServer } from './plan/types.js';
import { pollUntil } from './poll.js';

/** How a real server answers: busybox httpd with its lab body, Node's server that also streams, or HTTP errors. */
export type ServerKind = { kind: 'httpd' } | { kind: 'streaming' } | { kind: 'failing'; status: number };

/** The address a real server's HTTP server listens on: every address under DR (it answers on the VIP too). */
function listenAddress(rs: LabRealServer): string {
  return rs.loopbackVips.length > 0 ? '0.0.0.0' : bareAddress(rs.cidr);
}

/** Starts (again) `rs`'s HTTP server of `kind`, logging into `workDir`. */
export function startServer(workDir: string, rs: LabRealServer, how: ServerKind): Promise<Daemon> {
  const listen = listenAddress(rs);
  if (how.kind === 'httpd') {
    const docs = path.join(workDir, 'www', rs.name);
    const argv = ['netns', 'exec', rs.ns, 'busybox', 'httpd', '-f', '-p', `${listen}:${rs.port}`, '-h', docs];
    return startDaemon('ip', argv, path.join(workDir, `httpd-${rs.name}.log`));
  }
  const status = how.kind === 'failing' ? ['--status', String(how.status)] : [];
  return startProgram({
    ns: rs.ns,
    name: 'http-server',
    args: [listen, String(rs.port), rs.body, ...status],
    logFile: path.join(workDir, `${how.kind}-${rs.name}.log`),
    ready: 'listening on',
  });
}

/**
 * Readies each real server (for DR: its VIP on lo, ARP kept quiet) and starts its HTTP server of `how`; returns
 * them by name, for stopping by PID.
 */
export async function startRealServers(
  plan: Pick<LabPlan, 'realServers'>,
  workDir: string,
  how: ServerKind,
): Promise<Map<string, Daemon>> {
  const servers = new Map<string, Daemon>();
  for (const rs of plan.realServers) {
    const docs = path.join(workDir, 'www', rs.name);
    mkdirSync(docs, { recursive: true });
    writeFileSync(path.join(docs, 'index.html'), `${rs.body}\n`);
    for (const vip of rs.loopbackVips)
      await run('ip', ['-n', rs.ns, 'addr', 'add', `${vip}/32`, 'dev', 'lo'], { timeoutMs: 15_000 });
    if (rs.loopbackVips.length > 0) {
      // Direct routing: the real server accepts the VIP but never answers ARP for it (LVS-DR HOWTO, "the ARP problem").
      const sysctls = ['all', 'eth0'].flatMap((i) => [
        `net.ipv4.conf.${i}.arp_ignore=1`,
        `net.ipv4.conf.${i}.arp_announce=2`,
      ]);
      await runInNetns(rs.ns, systemTool('sysctl'), ['-w', ...sysctls]);
    }
    servers.set(rs.name, await startServer(workDir, rs, how));
  }
  return servers;
}

/**
 * Starts `lvs-image serve` with full DHCP in the boot namespace and waits (bounded, 30 s) until it answers HTTP;
 * `extraArgs` go to serve (e.g. `--bios-loader pxelinux`).
 */
export async function startBootServer(
  o: { plan: Pick<LabPlan, 'boot'>; siteRoot: string; workDir: string },
  serveCommand: string[],
  extraArgs: string[] = [],
): Promise<Daemon> {
  const { boot } = o.plan;
  const address = bareAddress(boot.cidr);
  const [cli, ...cliArgs] = serveCommand;
  const serveArgs = [
    'serve',
    '--root',
    path.resolve(o.siteRoot),
    '--bind',
    address,
    '--dhcp',
    'full',
    '--range',
    boot.range.join(','),
    '--interface',
    'eth0',
    ...(boot.cidr6 !== undefined ? ['--ipv6-ra'] : []),
    ...extraArgs,
  ];
  const log = path.join(o.workDir, 'serve.log');
  const daemon = await startDaemon(
    'ip',
    ['netns', 'exec', boot.ns, cli ?? 'lvs-image', ...cliArgs, ...serveArgs],
    log,
  );
  const answers = async (): Promise<true | undefined> => {
    const r = await runInNetns(
      boot.ns,
      'curl',
      ['-s', '-o', '/dev/null', '--max-time', '2', `http://${address}/`],
      {
        reject: false,
        timeoutMs: 5000,
      },
    );
    return r.exitCode === 0 ? true : undefined;
  };
  if ((await pollUntil(answers, { boundMs: 30_000, everyMs: 500 })) !== undefined) return daemon;
  await daemon.stop();
  throw new BuildError(`lvs-image serve did not answer on http://${address}/ in the lab`, { logFile: log });
}
