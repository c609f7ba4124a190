/** What runs on the lab's hosts: the real servers' HTTP servers and, for a PXE boot, `lvs-image serve`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import { runInNetns, systemTool } from '../lib/netns.js';
import { startDaemon, type Daemon } from './daemon.js';
import type { LabOptions } from './index.js';
import type { LabRealServer } from './plan.js';

/** The address a real server's HTTP server listens on: every address under DR (it answers on the VIP too). */
function listenAddress(rs: LabRealServer): string {
  return rs.loopbackVips.length > 0 ? '0.0.0.0' : (rs.cidr.split('/')[0] ?? '');
}

/** Starts (again) a real server's busybox httpd serving its lab body. */
export function startHttpd(o: LabOptions, rs: LabRealServer): Promise<Daemon> {
  const docs = path.join(o.workDir, 'www', rs.name);
  const argv = [
    'netns',
    'exec',
    rs.ns,
    'busybox',
    'httpd',
    '-f',
    '-p',
    `${listenAddress(rs)}:${rs.port}`,
    '-h',
    docs,
  ];
  return startDaemon('ip', argv, path.join(o.workDir, `httpd-${rs.name}.log`));
}

/**
 * Starts, in place of a real server's httpd, a server that answers every request with HTTP `status` (a broken
 * application behind a live port): Node's own HTTP server, run by the same node binary as lvs-image.
 */
export function startFailingServer(o: LabOptions, rs: LabRealServer, status: number): Promise<Daemon> {
  const script = `require('node:http').createServer((q, s) => { s.statusCode = ${status}; s.end('broken\\n'); }).listen(${rs.port}, '${listenAddress(rs)}');`;
  return startDaemon(
    'ip',
    ['netns', 'exec', rs.ns, process.execPath, '-e', script],
    path.join(o.workDir, `failing-${rs.name}.log`),
  );
}

/**
 * Starts, in place of a real server's httpd, a server that also streams: `/` answers the lab body, `/stream?chunks=N`
 * sends `<body> <i>` lines 100 ms apart (a long-lived connection for the failover lab). Node's own HTTP server.
 */
export function startStreamingServer(o: LabOptions, rs: LabRealServer): Promise<Daemon> {
  const script = [
    'const [addr, port, body] = process.argv.slice(1);',
    "require('node:http').createServer((q, s) => {",
    "  const u = new URL(q.url, 'http://lab');",
    "  if (u.pathname !== '/stream') return s.end(body + '\\n');",
    "  const n = Math.min(Number(u.searchParams.get('chunks') ?? '50'), 6000);",
    '  let i = 0;',
    "  s.writeHead(200, { 'content-type': 'text/plain' });",
    '  const t = setInterval(() => { s.write(`${body} ${i}\\n`); if (++i >= n) { clearInterval(t); s.end(); } }, 100);',
    "  s.on('close', () => clearInterval(t));",
    '}).listen(Number(port), addr);',
  ].join('\n');
  return startDaemon(
    'ip',
    ['netns', 'exec', rs.ns, process.execPath, '-e', script, listenAddress(rs), String(rs.port), rs.body],
    path.join(o.workDir, `stream-${rs.name}.log`),
  );
}

/**
 * Readies each real server (for DR: its VIP on lo, ARP kept quiet) and starts its HTTP server with `start` (the
 * lab's httpd, or the failover lab's streaming server); returns them for stopping by PID.
 */
export async function startRealServers(
  o: LabOptions,
  start: (o: LabOptions, rs: LabRealServer) => Promise<Daemon> = startHttpd,
): Promise<Daemon[]> {
  const daemons: Daemon[] = [];
  for (const rs of o.plan.realServers) {
    const docs = path.join(o.workDir, 'www', rs.name);
    mkdirSync(docs, { recursive: true });
    writeFileSync(path.join(docs, 'index.html'), `${rs.body}\n`);
    for (const vip of rs.loopbackVips) {
      await run('ip', ['-n', rs.ns, 'addr', 'add', `${vip}/32`, 'dev', 'lo'], { timeoutMs: 15_000 });
    }
    if (rs.loopbackVips.length > 0) {
      // Direct routing: the real server accepts the VIP but never answers ARP for it (LVS-DR HOWTO, "the ARP problem").
      const sysctls = ['all', 'eth0'].flatMap((i) => [
        `net.ipv4.conf.${i}.arp_ignore=1`,
        `net.ipv4.conf.${i}.arp_announce=2`,
      ]);
      await runInNetns(rs.ns, systemTool('sysctl'), ['-w', ...sysctls]);
    }
    daemons.push(await start(o, rs));
  }
  return daemons;
}

/**
 * Starts `lvs-image serve` with full DHCP in the boot namespace and waits (bounded) until it answers HTTP;
 * `extraArgs` go to serve (e.g. `--bios-loader pxelinux`).
 */
export async function startBootServer(
  o: Pick<LabOptions, 'plan' | 'siteRoot' | 'workDir'>,
  serveCommand: string[],
  extraArgs: string[] = [],
): Promise<Daemon> {
  const { boot } = o.plan;
  const address = boot.cidr.split('/')[0] ?? '';
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
  const daemon = await startDaemon(
    'ip',
    ['netns', 'exec', boot.ns, cli ?? 'lvs-image', ...cliArgs, ...serveArgs],
    path.join(o.workDir, 'serve.log'),
  );
  for (let attempt = 0; attempt < 60; attempt++) {
    const r = await runInNetns(
      boot.ns,
      'curl',
      ['-s', '-o', '/dev/null', '--max-time', '2', `http://${address}/`],
      { reject: false, timeoutMs: 5000 },
    );
    if (r.exitCode === 0) return daemon;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await daemon.stop();
  throw new BuildError(`lvs-image serve did not answer on http://${address}/ in the lab`, {
    logFile: path.join(o.workDir, 'serve.log'),
  });
}
