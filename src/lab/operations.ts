/**
 * The lab's checks of `access`, from an operator's host on the inside network and from the client outside: the
 * director's kernel and keepalived lines reach the syslog receiver; SSH takes the authorized key (and the host key
 * is the published one) and refuses passwords and unknown keys; the metrics' per-server connection counts match
 * what the client saw; the metrics endpoint refuses writes; and a TCP scan of the director's outside address and
 * VIPs finds only the virtual services, while the director's own socket list shows nothing else listening outside.
 */
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KNOWN_HOSTS } from '../layout.js';
import { run } from '../lib/exec.js';
import { runInNetns } from '../lib/netns.js';
import type { Guest } from '../lib/qemu.js';
import { ask } from './client.js';
import { startDaemon, type Daemon } from './daemon.js';
import type { LabOptions } from './index.js';
import { LAB_RTC_BASE } from './ntp-server.js';
import type { LabOps } from './plan.js';
import { tallyAnswers, type LabCheck, type Tally } from './tally.js';

const NO_TALLY: Tally = { byServer: {}, unknown: 0, failed: 0 };

function check(name: string, ok: boolean, detail: string, tally: Tally = NO_TALLY): LabCheck {
  return { name, ok, tally, detail };
}

/** Where the syslog receiver writes what it got: one datagram per line, after the sender's address and a space. */
function syslogFile(workDir: string): string {
  return path.join(workDir, 'syslog-received.log');
}

/** A datagram the syslog receiver got: who sent it (the director's source address) and its text. */
export interface SyslogLine {
  from: string;
  text: string;
}

/** The receiver's file as lines (see syslogFile). Pure. */
export function parseReceived(file: string): SyslogLine[] {
  return file
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const at = l.indexOf(' ');
      return at < 0 ? { from: l, text: '' } : { from: l.slice(0, at), text: l.slice(at + 1) };
    });
}

/** What the syslog receiver has got so far (none before its first datagram). */
export async function receivedSyslog(workDir: string): Promise<SyslogLine[]> {
  return parseReceived(await readFile(syslogFile(workDir), 'utf8').catch(() => ''));
}

/**
 * Starts the ops host's syslog receiver (UDP, Node's dgram, run by the node binary running lvs-image), writing into
 * `workDir`. Undefined when the plan has no syslog.
 */
export function startSyslogReceiver(workDir: string, ops: LabOps): Promise<Daemon> | undefined {
  if (ops.syslog === undefined) return undefined;
  const script = [
    'const [addr, port, file] = process.argv.slice(1);',
    "const fs = require('node:fs');",
    "const s = require('node:dgram').createSocket('udp4');",
    "s.on('message', (m, r) => fs.appendFileSync(file, r.address + ' ' + m.toString().replace(/\\n$/, '') + '\\n'));",
    's.bind(Number(port), addr);',
  ].join('\n');
  return startDaemon(
    'ip',
    [
      'netns',
      'exec',
      ops.host.ns,
      process.execPath,
      '-e',
      script,
      ops.syslog.address,
      String(ops.syslog.port),
      syslogFile(workDir),
    ],
    path.join(workDir, 'syslog-receiver.log'),
  );
}

/**
 * Polls the received lines (bounded) until each of `wanted` matched a line after the first `after`; returns the line
 * each matched (undefined: none within the bound).
 */
export async function waitForSyslog(
  workDir: string,
  wanted: ((l: SyslogLine) => boolean)[],
  boundMs: number,
  after = 0,
): Promise<(SyslogLine | undefined)[]> {
  const until = Date.now() + boundMs;
  for (;;) {
    const lines = (await receivedSyslog(workDir)).slice(after);
    const found = wanted.map((w) => lines.find(w));
    if (found.every((f) => f !== undefined) || Date.now() > until) return found;
    await sleep(500);
  }
}

/** A waitForSyslog predicate: the text matches `re`. */
const texts =
  (re: RegExp) =>
  (l: SyslogLine): boolean =>
    re.test(l.text);

async function checkSyslog(o: LabOptions, ops: LabOps): Promise<LabCheck> {
  const name = `remote syslog to ${ops.syslog?.address ?? ''}:${ops.syslog?.port ?? ''}`;
  const wanted = [
    // The kernel's first line of this boot and IPVS's own: klogd forwarded the ring from the start.
    { what: 'kernel', re: /kernel: Linux version / },
    { what: 'IPVS', re: /kernel: IPVS: / },
    ...(o.plan.mode === 'keepalived' ? [{ what: 'keepalived', re: /Keepalived/ }] : []),
    ...(ops.ssh !== undefined ? [{ what: 'dropbear', re: /dropbear\[\d+\]: / }] : []),
  ];
  const found = await waitForSyslog(
    o.workDir,
    wanted.map((w) => texts(w.re)),
    20_000,
  );
  const lines = await receivedSyslog(o.workDir);
  const senders = [...new Set(lines.map((l) => l.from))].join(', ');
  const missing = wanted.filter((_, i) => found[i] === undefined).map((w) => w.what);
  return check(
    name,
    missing.length === 0,
    missing.length === 0
      ? `${lines.length} lines received from ${senders}; ${wanted.map((w, i) => `${w.what}: "${(found[i]?.text ?? '').slice(0, 80)}"`).join('; ')}`
      : `no ${missing.join(' or ')} line among ${lines.length} received (${syslogFile(o.workDir)})`,
  );
}

/** `lvs_realserver_connections_total` per real server address, from a scrape. Pure. */
export function parseConnections(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^lvs_realserver_connections_total\{[^}]*realserver="([^"]+)"\} (\d+)$/gm))
    out[m[1] ?? ''] = (out[m[1] ?? ''] ?? 0) + Number(m[2]);
  return out;
}

/** `lvs_vip_held` per floating address, from a scrape. Pure. */
export function parseVipHeld(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^lvs_vip_held\{address="([^"]+)"[^}]*\} (\d+)$/gm))
    out[m[1] ?? ''] = Number(m[2]);
  return out;
}

/** One HTTP request to `url` with curl from namespace `ns`: the status code and the body. */
export async function scrapeMetrics(
  ns: string,
  url: string,
  method = 'GET',
): Promise<{ status: string; body: string }> {
  const r = await runInNetns(
    ns,
    'curl',
    ['-s', '-X', method, '--max-time', '10', '-w', '\n%{http_code}', url],
    {
      reject: false,
      timeoutMs: 20_000,
    },
  );
  const cut = r.stdout.lastIndexOf('\n');
  return { status: r.stdout.slice(cut + 1), body: r.stdout.slice(0, cut) };
}

function scrape(ops: LabOps, method = 'GET'): Promise<{ status: string; body: string }> {
  return scrapeMetrics(ops.host.ns, ops.metrics?.url ?? '', method);
}

/**
 * A scrape once the counters have settled: the kernel folds its per-CPU IPVS counters into what ipvsadm reads only
 * on its estimator's 2 s tick (ip_vs_est.c), so the lab scrapes until two scrapes 2.5 s apart agree (bounded: 5).
 */
async function settledScrape(ops: LabOps): Promise<{ status: string; body: string }> {
  let last = await scrape(ops);
  for (let i = 0; i < 5 && last.status === '200'; i++) {
    await sleep(2500);
    const next = await scrape(ops);
    if (next.status !== '200') return next;
    const same = JSON.stringify(parseConnections(next.body)) === JSON.stringify(parseConnections(last.body));
    last = next;
    if (same) break;
  }
  return last;
}

async function checkMetrics(o: LabOptions, ops: LabOps): Promise<LabCheck[]> {
  const before = await settledScrape(ops);
  if (before.status !== '200')
    return [
      check(
        `metrics at ${ops.metrics?.url ?? ''}`,
        false,
        `HTTP ${before.status}: ${before.body.slice(0, 200)}`,
      ),
    ];
  const tally = tallyAnswers(await ask(o, o.requests), o.plan.realServers);
  const after = await settledScrape(ops);
  await writeFile(path.join(o.workDir, 'metrics-before.txt'), before.body);
  await writeFile(path.join(o.workDir, 'metrics-after.txt'), after.body);
  const [a, b] = [parseConnections(before.body), parseConnections(after.body)];
  const problems: string[] = [];
  const seen: string[] = [];
  for (const rs of o.plan.realServers) {
    const key = Object.keys(b).find((k) => k.startsWith(`${rs.cidr.split('/')[0] ?? ''}:`));
    const delta = key === undefined ? 0 : (b[key] ?? 0) - (a[key] ?? 0);
    const client = tally.byServer[rs.name] ?? 0;
    seen.push(`${rs.name} ${delta}/${client}`);
    if (delta !== client)
      problems.push(`${rs.name}: metrics count ${delta} new connections, the client got ${client} answers`);
  }
  if (tally.failed > 0 || tally.unknown > 0)
    problems.push(`${tally.failed} failed, ${tally.unknown} unknown answers`);
  const writes = await Promise.all(['POST', 'PUT', 'DELETE'].map((m) => scrape(ops, m)));
  const writable = writes.filter((w) => w.status !== '405').map((w) => w.status);
  return [
    check(
      `metrics: ${o.requests} requests, per-server connection counts match the client`,
      problems.length === 0,
      problems.length === 0
        ? `metrics/client per server: ${seen.join(', ')}`
        : `${problems.join('; ')} (scrapes: ${path.join(o.workDir, 'metrics-{before,after}.txt')})`,
      tally,
    ),
    check(
      'metrics endpoint is read-only (POST, PUT, DELETE)',
      writable.length === 0,
      writable.length === 0 ? 'each answered 405' : `answered HTTP ${writable.join(', ')}`,
    ),
  ];
}

/** OpenSSH client options of every lab login: no prompt, no agent, a bounded connect, this one key only. */
function sshArgs(known: string, key: string, port: number): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${known}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-i',
    key,
    '-p',
    String(port),
  ];
}

/** The methods the server offers after the `none` probe (`Authentications that can continue: publickey`). Pure. */
export function offeredAuthMethods(sshVerbose: string): string[] | null {
  const m = /Authentications that can continue: (\S+)/.exec(sshVerbose);
  return m?.[1]?.split(',') ?? null;
}

/**
 * access.ssh from the ops host, on each listen address: the listed key logs in as root (host key checked against
 * the published known_hosts, a terminal from devpts); the server offers no password method; an unknown key is
 * refused.
 */
async function checkSsh(o: LabOptions, ops: LabOps): Promise<LabCheck[]> {
  const ssh = ops.ssh;
  if (ssh === undefined) return [];
  if (o.sshKey === undefined)
    return [check('SSH login with an authorized key', false, 'the lab was given no --ssh-key')];
  const known = path.join(o.siteRoot, KNOWN_HOSTS);
  // ssh refuses a private key others can read: copies with mode 0600 in the work folder.
  const key = path.join(o.workDir, 'ssh-key');
  await copyFile(o.sshKey, key);
  await chmod(key, 0o600);
  const stranger = path.join(o.workDir, 'ssh-unknown-key');
  await rm(stranger, { force: true });
  await run(
    'ssh-keygen',
    ['-q', '-t', 'ed25519', '-N', '', '-C', 'lvs-image lab: unknown key', '-f', stranger],
    {
      timeoutMs: 30_000,
    },
  );
  const login = (args: string[]) =>
    runInNetns(ops.host.ns, 'ssh', args, { reject: false, timeoutMs: 60_000 });
  try {
    return await sshChecks({ ssh, known, key, stranger, login });
  } finally {
    // The copy of the operator's private key does not outlive the check (the work folder may be kept).
    await rm(key, { force: true });
  }
}

/** The three SSH checks on each listen address; `key` logs in, `stranger` is a key the director does not know. */
async function sshChecks(o: {
  ssh: NonNullable<LabOps['ssh']>;
  known: string;
  key: string;
  stranger: string;
  login: (args: string[]) => ReturnType<typeof runInNetns>;
}): Promise<LabCheck[]> {
  const { ssh, known, key, stranger, login } = o;
  const checks: LabCheck[] = [];
  for (const l of ssh.listen) {
    const target = `root@${l.address}`;
    const okRun = await login([
      ...sshArgs(known, key, l.port),
      '-tt',
      target,
      'hostname; tty; ipvsadm -Ln | head -n 1',
    ]);
    const out = okRun.stdout.replace(/\r/g, '');
    const loggedIn = okRun.exitCode === 0 && out.split('\n')[0]?.trim() === ssh.hostname;
    const tty = /^\/dev\/pts\/\d+$/m.exec(out)?.[0];
    checks.push(
      check(
        `SSH ${l.address}:${l.port}: root logs in with the authorized key, host key as published`,
        loggedIn && tty !== undefined,
        loggedIn
          ? `hostname ${ssh.hostname}, terminal ${tty ?? 'none'}, ${out.split('\n')[2]?.trim() ?? ''}`
          : `exit ${okRun.exitCode}: ${(okRun.stderr || out).trim().slice(0, 300)}`,
      ),
    );
    // -v shows what the server offers once the client's `none` probe fails; no password method may be in it.
    const pw = await login([
      ...sshArgs(known, stranger, l.port),
      '-v',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      target,
      'true',
    ]);
    const offered = offeredAuthMethods(pw.stderr);
    checks.push(
      check(
        `SSH ${l.address}:${l.port}: no password login`,
        pw.exitCode !== 0 && offered !== null && offered.join(',') === 'publickey',
        offered === null
          ? `no method list from the server (exit ${pw.exitCode}): ${pw.stderr.trim().split('\n').slice(-2).join(' ')}`
          : `the server offers ${offered.join(', ')}; exit ${pw.exitCode}`,
      ),
    );
    const unknown = await login([...sshArgs(known, stranger, l.port), target, 'true']);
    const denied = /Permission denied \(publickey\)/.test(unknown.stderr);
    checks.push(
      check(
        `SSH ${l.address}:${l.port}: an unknown key is refused`,
        unknown.exitCode !== 0 && denied,
        denied
          ? 'Permission denied (publickey)'
          : `exit ${unknown.exitCode}: ${unknown.stderr.trim().slice(0, 200)}`,
      ),
    );
  }
  return checks;
}

/** The `step` line /etc/ntpd-event logs: its offset in seconds, or null. Pure. */
export function parseNtpStep(line: string): number | null {
  const m = /ntpd: step offset=([+-]?\d+(?:\.\d+)?)s/.exec(line);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/**
 * access.ntp: the director booted with its clock at LAB_RTC_BASE (years behind); its ntpd must have brought it within
 * 2 s of the host (polled, bounded), and, with remote syslog, the step must have been logged with an offset of years.
 */
async function checkNtp(o: LabOptions, ops: LabOps, guest: Guest): Promise<LabCheck[]> {
  const ntp = ops.ntp;
  if (ntp === undefined) return [];
  const name = `NTP: the clock, started at ${LAB_RTC_BASE} UTC, was set from ${ntp.served.join(', ') || 'nothing'}`;
  if (ntp.served.length === 0)
    return [
      check(
        name,
        false,
        `no server of access.ntp (${ntp.elsewhere.join(', ')}) is on a director subnet the lab can serve`,
      ),
    ];
  const started = Date.now();
  let skew = Number.NaN;
  while (Date.now() - started < 120_000) {
    const out = (await guest.console.run('date +%s', 30_000)).output;
    const guestS = Number(/^(\d+)\s*$/m.exec(out)?.[1] ?? NaN);
    skew = guestS - Date.now() / 1000;
    if (Math.abs(skew) <= 2) break;
    await sleep(2000);
  }
  const waited = Math.round((Date.now() - started) / 1000);
  const problems: string[] = [];
  if (!(Math.abs(skew) <= 2))
    problems.push(
      `after ${waited} s the director's clock is ${Number.isNaN(skew) ? 'unreadable' : `${Math.round(skew)} s off`}`,
    );
  let logged = '';
  if (ops.syslog !== undefined) {
    const [found] = await waitForSyslog(o.workDir, [texts(/ntpd: step offset=/)], 20_000);
    const line = found?.text;
    const offset = line !== undefined ? parseNtpStep(line) : null;
    // From 2020-01-01 to now is years: a step of less than a year was not this boot's first setting.
    if (offset === null || offset < 365 * 86400)
      problems.push(
        line === undefined
          ? 'no "ntpd: step" line at the syslog receiver'
          : `step of ${offset ?? '?'} s: less than the years behind`,
      );
    else logged = `; step logged: offset +${offset.toFixed(0)} s`;
  }
  const others = ntp.elsewhere.length > 0 ? ` (${ntp.elsewhere.join(', ')} not reachable in the lab)` : '';
  return [
    check(
      name,
      problems.length === 0,
      problems.length === 0
        ? `within ${Math.abs(skew).toFixed(1)} s of the host${logged}${others}`
        : problems.join('; '),
    ),
  ];
}

/** A TCP connect scan run in the client namespace: the open ports of `address` (1..65535, bounded per port). */
async function scanTcp(o: LabOptions, address: string): Promise<number[] | string> {
  const script = [
    'const [addr] = process.argv.slice(1);',
    "const net = require('node:net');",
    'const open = []; let next = 1; let active = 0;',
    'const done = () => { process.stdout.write(JSON.stringify(open.sort((a, b) => a - b))); };',
    'const one = () => {',
    '  if (next > 65535) { if (active === 0) done(); return; }',
    '  const port = next++; active++;',
    '  const s = net.connect({ host: addr, port, timeout: 1500 });',
    '  const end = (isOpen) => { if (isOpen) open.push(port); s.destroy(); active--; one(); };',
    "  s.once('connect', () => end(true)); s.once('error', () => end(false)); s.once('timeout', () => end(false));",
    '};',
    'for (let i = 0; i < 256; i++) one();',
  ].join('\n');
  const r = await runInNetns(o.plan.client.ns, process.execPath, ['-e', script, address], {
    reject: false,
    timeoutMs: 600_000,
  });
  try {
    return JSON.parse(r.stdout) as number[];
  } catch {
    return `scan failed (exit ${r.exitCode}): ${r.stderr.slice(0, 200)}`;
  }
}

async function checkScan(o: LabOptions, ops: LabOps): Promise<LabCheck> {
  const problems: string[] = [];
  const seen: string[] = [];
  const started = Date.now();
  for (const target of ops.scan) {
    const open = await scanTcp(o, target.address);
    if (typeof open === 'string') {
      problems.push(`${target.address}: ${open}`);
      continue;
    }
    seen.push(`${target.address}: ${open.length > 0 ? open.join(',') : 'none'}`);
    const extra = open.filter((p) => !target.open.includes(p));
    if (extra.length > 0) problems.push(`${target.address} has TCP ${extra.join(', ')} open`);
  }
  const s = Math.round((Date.now() - started) / 1000);
  return check(
    'TCP scan from the client (ports 1-65535): only the virtual services answer',
    problems.length === 0,
    problems.length === 0 ? `open: ${seen.join('; ')} (${s} s)` : problems.join('; '),
  );
}

/** UDP ports a scan tries besides the director's own sockets: the usual services of a Linux box. */
const WELL_KNOWN_UDP = [53, 67, 68, 69, 111, 123, 161, 500, 514, 1900, 4500, 5353];

/**
 * A UDP probe from the client namespace, one port after another: `closed` (ICMP port unreachable, seen as
 * ECONNREFUSED), `answered`, or `silent` (nothing in 1 s: open or filtered). Probes go out 1.1 s apart whatever
 * the answer: Linux sends a peer at most one ICMP error a second once a burst of 6 is spent (icmp_ratelimit), so
 * probes that follow quick refusals faster would read as silent.
 */
async function probeUdp(
  o: LabOptions,
  address: string,
  ports: number[],
): Promise<Record<number, string> | string> {
  const script = [
    'const [addr, list] = process.argv.slice(1);',
    "const dgram = require('node:dgram');",
    'const out = {};',
    'const one = (port) => new Promise((done) => {',
    "  const s = dgram.createSocket('udp4'); let state = 'silent'; let over = false;",
    '  const end = () => { if (over) return; over = true; clearTimeout(t); s.close(); out[port] = state; };',
    '  const t = setTimeout(end, 1000);',
    '  setTimeout(() => { end(); done(); }, 1100);',
    "  s.on('message', () => { state = 'answered'; end(); });",
    "  s.on('error', (e) => { state = e.code === 'ECONNREFUSED' ? 'closed' : `error ${e.code}`; end(); });",
    "  s.connect(port, addr, () => s.send(Buffer.from('lvs-image lab probe\\n')));",
    '});',
    "(async () => { for (const p of list.split(',').map(Number)) await one(p); process.stdout.write(JSON.stringify(out)); })();",
  ].join('\n');
  const r = await runInNetns(o.plan.client.ns, process.execPath, ['-e', script, address, ports.join(',')], {
    reject: false,
    timeoutMs: 30_000 + ports.length * 2_000,
  });
  try {
    return JSON.parse(r.stdout) as Record<number, string>;
  } catch {
    return `probe failed (exit ${r.exitCode}): ${r.stderr.slice(0, 200)}`;
  }
}

/** The local UDP ports of `netstat -lun` output. Pure. */
export function udpPorts(netstat: string): number[] {
  const ports = netstat.split('\n').flatMap((l) => {
    const f = l.trim().split(/\s+/);
    return f[0] === 'udp' ? [Number(f[3]?.slice(f[3].lastIndexOf(':') + 1))] : [];
  });
  return [...new Set(ports.filter((p) => p > 0))].sort((a, b) => a - b);
}

/**
 * A UDP scan from the client of the outside address and every VIP, on each port the director has a UDP socket on
 * and the usual service ports: each must answer ICMP port unreachable, except the VIP's UDP services and, with
 * remote syslog, busybox syslogd's send socket (bound on every address, it takes datagrams it never reads).
 */
async function checkUdpScan(o: LabOptions, ops: LabOps, guest: Guest): Promise<LabCheck> {
  const own = udpPorts((await guest.console.run('netstat -lun', 60_000)).output);
  const ephemeral = ops.syslog !== undefined ? own.filter((p) => p >= 32768) : [];
  const ports = [...new Set([...own, ...WELL_KNOWN_UDP, ...ops.scan.flatMap((s) => s.openUdp ?? [])])].sort(
    (a, b) => a - b,
  );
  const problems: string[] = [];
  const seen: string[] = [];
  const started = Date.now();
  for (const target of ops.scan) {
    const states = await probeUdp(o, target.address, ports);
    if (typeof states === 'string') {
      problems.push(`${target.address}: ${states}`);
      continue;
    }
    const notClosed = ports.filter((p) => states[p] !== 'closed');
    seen.push(
      `${target.address}: ${notClosed.map((p) => `${p} ${states[p] ?? '?'}`).join(', ') || 'all closed'}`,
    );
    const allowed = new Set([...(target.openUdp ?? []), ...ephemeral]);
    const extra = notClosed.filter((p) => !allowed.has(p));
    if (extra.length > 0)
      problems.push(`${target.address} UDP ${extra.map((p) => `${p} ${states[p] ?? '?'}`).join(', ')}`);
  }
  const s = Math.round((Date.now() - started) / 1000);
  return check(
    `UDP scan from the client (${ports.length} ports: the director's own sockets and the usual services)`,
    problems.length === 0,
    problems.length === 0
      ? `${seen.join('; ')} (${s} s${ephemeral.length > 0 ? `; ${ephemeral.join(', ')} is syslogd's send socket` : ''})`
      : `not closed: ${problems.join('; ')}`,
  );
}

/**
 * The director's own sockets (`netstat -ltun`): TCP listeners only on the inside address or loopback; UDP likewise,
 * except one socket on a wildcard ephemeral port when syslog goes remote (busybox syslogd's send socket: the kernel
 * binds it on the first send and syslogd never reads it; busybox netstat has no -p to name its owner).
 */
async function checkListeners(o: LabOptions, ops: LabOps, guest: Guest): Promise<LabCheck> {
  const out = (await guest.console.run('netstat -ltun', 60_000)).output;
  const inside = ops.metrics?.url.replace(/^http:\/\/([^:]+):.*$/, '$1');
  const problems: string[] = [];
  const listeners: string[] = [];
  let sendOnly = ops.syslog !== undefined ? 1 : 0;
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'tcp' && f[0] !== 'udp') continue;
    const local = f[3] ?? '';
    const host = local.slice(0, local.lastIndexOf(':'));
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    listeners.push(`${f[0]} ${local}`);
    if (host === '127.0.0.1' || (inside !== undefined && host === inside)) continue;
    if (f[0] === 'tcp' && ops.ssh?.listen.some((l) => `${l.address}:${l.port}` === local) === true) continue;
    if (f[0] === 'udp' && host === '0.0.0.0' && port >= 32768 && sendOnly > 0) {
      sendOnly--;
      continue;
    }
    problems.push(`${f[0]} ${local}`);
  }
  return check(
    'director sockets: listening only on the inside address',
    problems.length === 0,
    problems.length === 0 ? listeners.join('; ') || 'none' : `listening elsewhere: ${problems.join('; ')}`,
  );
}

/** Every `access` check, in order; empty when the spec has no `access`. */
export async function runOperationsChecks(o: LabOptions, guest: Guest): Promise<LabCheck[]> {
  const ops = o.plan.ops;
  if (ops === undefined) return [];
  const checks: LabCheck[] = [];
  if (ops.syslog !== undefined) checks.push(await checkSyslog(o, ops));
  if (ops.metrics !== undefined) checks.push(...(await checkMetrics(o, ops)));
  checks.push(...(await checkSsh(o, ops)));
  checks.push(...(await checkNtp(o, ops, guest)));
  checks.push(await checkListeners(o, ops, guest));
  checks.push(await checkScan(o, ops));
  checks.push(await checkUdpScan(o, ops, guest));
  return checks;
}
