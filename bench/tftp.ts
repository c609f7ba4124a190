/**
 * TFTP throughput: a 32 MiB file on loopback from our server (`lvs-image serve`, its own process), tftpd-hpa
 * (`in.tftpd -L`) and dnsmasq's TFTP, fetched by the SAME client (test/_helpers/tftp-client.ts) with the same
 * options. Runs interleaved, median of N, prints MB/s (10^6 bytes/s) and ratios.
 *
 *   node --import tsx bench/tftp.ts [--runs 5] [--json] [--client node|atftp] [--no-pin]
 *
 * `--client atftp` fetches with the atftp C client instead (bench/atftp-client.ts), so the client end is not Node:
 * the first run of each case writes a real file and checks its sha256 (later runs write /dev/null), and whether a
 * server accepted windowsize is read from atftp's trace of its OACK. atftp cannot take 8192 x 16 (its receive
 * buffer overflows), so that case is left out with it.
 *
 * Servers run on one CPU and the client on another (taskset), as they would on two machines: left to the
 * scheduler, a windowed transfer here runs at ~75 MB/s when both ends share a CPU and ~125 MB/s when they do not,
 * and which one happens changes from run to run. `--no-pin` leaves placement to the scheduler.
 *
 * As root it re-runs itself inside a throw-away network namespace (lvsi-b-<pid>), so dnsmasq can take port 69
 * (dnsmasq has no TFTP port option) without touching a tftpd-hpa service on the host's port 69. Without root
 * dnsmasq is left out.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createNetns, createVethPair, deleteNetns, labName, netnsExecArgs } from '../src/lib/netns.js';
import { tftpGet } from '../test/_helpers/tftp-client.js';
import { atftpGet } from './atftp-client.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5;
const JSON_OUT = argv.includes('--json');
const CLIENT = argv.includes('--client') ? argv[argv.indexOf('--client') + 1] : 'node';
const PIN = !argv.includes('--no-pin');
if (CLIENT !== 'node' && CLIENT !== 'atftp') throw new Error(`--client ${CLIENT}: use node or atftp`);
const SIZE = 32 * 1024 * 1024;
const CASES: [number, number][] = (
  [
    [512, 1],
    [1468, 1],
    [8192, 1],
    [1468, 16],
    [8192, 16],
  ] as [number, number][]
).filter(([b, w]) => CLIENT === 'node' || !(b === 8192 && w === 16));

/** Outside the bench namespace (as root): create it, run this script inside, delete it whatever happens. */
async function runInBenchNamespace(): Promise<number> {
  const ns = labName('b', 'bench');
  await createNetns(ns);
  try {
    // tftpd-hpa resolves its -a address with AI_ADDRCONFIG, which ignores loopback: without some other IPv4
    // address in the namespace it exits at once (status 66). A veth pair with both ends inside provides one.
    await createVethPair(
      { ns, ifname: 'lvsi-b0', cidr: '10.99.2.1/30' },
      { ns, ifname: 'lvsi-b1', cidr: '10.99.2.2/30' },
    );
    const [file, args] = netnsExecArgs(ns, process.execPath, [
      '--import=tsx',
      fileURLToPath(import.meta.url),
      ...argv,
    ]);
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, LVSI_BENCH_NS: ns } });
    return await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  } finally {
    await deleteNetns(ns);
  }
}

interface Server {
  name: string;
  port: number;
  windowsize: boolean;
  child: ChildProcess;
}

/** The CPUs this process may use (`Cpus_allowed_list` of /proc/self/status, e.g. `0-1` or `0,2`). */
async function allowedCpus(): Promise<number[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '';
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

/** Server and client CPUs when pinning: the first two allowed CPUs, or none (fewer than two, or --no-pin). */
async function placement(): Promise<{ server: number; client: number } | undefined> {
  const cpus = await allowedCpus();
  if (!PIN || cpus.length < 2) return undefined;
  return { server: cpus[0]!, client: cpus[1]! };
}

let serverCpu: number | undefined;

function startProcess(name: string, file: string, args: string[], port: number, windowsize: boolean): Server {
  const [cmd, cmdArgs] =
    serverCpu === undefined ? [file, args] : ['taskset', ['-c', String(serverCpu), file, ...args]];
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
  child.stderr?.on(
    'data',
    (c: Buffer) => process.env.LVSI_BENCH_DEBUG && process.stderr.write(`[${name}] ${c.toString()}`),
  );
  return { name, port, windowsize, child };
}

async function stopProcess(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const gone = new Promise((r) => s.child.on('close', r));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const cpus = await placement();
  if (cpus !== undefined) {
    // The client is this process (Node client) or its children (atftp): all its threads on the client CPU.
    execFileSync('taskset', ['-a', '-p', '-c', String(cpus.client), String(process.pid)], {
      stdio: 'ignore',
    });
    serverCpu = cpus.server;
  }
  const root = await mkdtemp(path.join(tmpdir(), 'lvsi-bench-'));
  await chmod(root, 0o755); // dnsmasq drops to nobody before reading files
  const data = randomBytes(SIZE);
  const want = createHash('sha256').update(data).digest('hex');
  await writeFile(path.join(root, 'big.bin'), data, { mode: 0o644 });
  await writeFile(path.join(root, 'probe.bin'), data.subarray(0, 5000), { mode: 0o644 });
  const inNs = process.env.LVSI_BENCH_NS !== undefined;
  const servers: Server[] = [
    startProcess(
      'lvs-image',
      process.execPath,
      [
        '--import=tsx',
        'src/cli.ts',
        'serve',
        '--root',
        root,
        '--bind',
        '127.0.0.1',
        '--tftp-port',
        '16969',
        '--no-http',
      ],
      16969,
      true,
    ),
    startProcess('tftpd-hpa', 'in.tftpd', ['-L', '-s', root, '-a', '127.0.0.1:16970'], 16970, false),
  ];
  if (inNs) {
    const dnsmasqArgs = [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0',
      '--enable-tftp',
      `--tftp-root=${root}`,
      '--edns-packet-max=65535',
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--log-facility=-',
      '--quiet-tftp',
      `--pid-file=${path.join(root, 'dnsmasq.pid')}`,
    ];
    servers.push(startProcess('dnsmasq', 'dnsmasq', dnsmasqArgs, 69, false));
  }
  try {
    await sleep(2500); // node + tsx start-up of serve
    const rates = new Map<string, number[]>();
    const loadBefore = loadavg()[0]!;
    for (let run = 0; run < RUNS; run++) {
      for (const [blksize, windowsize] of CASES) {
        // Rotate the order each run so no server always goes first (or last) on a busy machine.
        const order = servers.map((_, i) => servers[(i + run) % servers.length]!);
        for (const s of order) {
          const key = `${s.name} ${blksize} ${windowsize}`;
          const ms = await fetchOnce(s, blksize, windowsize, run === 0, root, want).catch((err: Error) => {
            throw new Error(`${s.name}: ${err.message}`);
          });
          rates.set(key, [...(rates.get(key) ?? []), SIZE / ms / 1000]);
        }
      }
    }
    report(servers, rates, [loadBefore, loadavg()[0]!], cpus);
  } finally {
    for (const s of servers) await stopProcess(s);
    await rm(root, { recursive: true, force: true });
  }
}

/** One timed transfer of big.bin with the chosen client; checks the sha256 (atftp: on the first run only). */
async function fetchOnce(
  s: Server,
  blksize: number,
  windowsize: number,
  first: boolean,
  root: string,
  want: string,
): Promise<number> {
  if (CLIENT === 'node') {
    const r = await tftpGet({ port: s.port, file: 'big.bin', blksize, windowsize, retryMs: 1000 });
    if (r.data.length !== SIZE || createHash('sha256').update(r.data).digest('hex') !== want)
      throw new Error('corrupt transfer');
    if (first && windowsize > 1 && r.oack.get('windowsize') === undefined) s.windowsize = false;
    return r.durationMs;
  }
  if (first && windowsize > 1) {
    const probe = await atftpGet(s.port, 'probe.bin', '/dev/null', blksize, windowsize, { trace: true });
    if (probe.oack?.get('windowsize') !== String(windowsize)) s.windowsize = false;
  }
  const local = first ? path.join(root, `out-${s.name}`) : '/dev/null';
  const r = await atftpGet(s.port, 'big.bin', local, blksize, windowsize);
  if (first) {
    const got = await readFile(local);
    await rm(local);
    if (got.length !== SIZE || createHash('sha256').update(got).digest('hex') !== want)
      throw new Error('corrupt transfer');
  }
  return r.durationMs;
}

function report(
  servers: Server[],
  rates: Map<string, number[]>,
  load: number[],
  cpus: { server: number; client: number } | undefined,
): void {
  const med = (name: string, b: number, w: number): number => median(rates.get(`${name} ${b} ${w}`) ?? []);
  const rows = CASES.map(([b, w]) => ({
    blksize: b,
    windowsize: w,
    ...Object.fromEntries(servers.map((s) => [s.name, Number(med(s.name, b, w).toFixed(1))])),
  }));
  const hpa1468 = med('tftpd-hpa', 1468, 1);
  const goals = {
    'lvs-image/tftpd-hpa at 512': med('lvs-image', 512, 1) / med('tftpd-hpa', 512, 1),
    'lvs-image/tftpd-hpa at 1468': med('lvs-image', 1468, 1) / hpa1468,
    'lvs-image/tftpd-hpa at 8192': med('lvs-image', 8192, 1) / med('tftpd-hpa', 8192, 1),
    'lvs-image 1468x16 / tftpd-hpa 1468': med('lvs-image', 1468, 16) / hpa1468,
  };
  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify(
        {
          client: CLIENT,
          cpus: cpus ?? 'unpinned',
          loadAverage1m: load,
          runs: RUNS,
          sizeBytes: SIZE,
          medianMBps: rows,
          ratios: goals,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const names = servers.map((s) => s.name);
  process.stdout.write(
    `TFTP, 32 MiB on loopback, same client (${CLIENT}), median of ${RUNS} runs, MB/s (10^6 B/s), ` +
      (cpus === undefined ? 'unpinned\n' : `servers on CPU ${cpus.server}, client on CPU ${cpus.client}\n`),
  );
  process.stdout.write(
    ['blksize', 'window', ...names, ...names.slice(1).map((n) => `x ${n}`)]
      .map((h) => h.padStart(12))
      .join('') + '\n',
  );
  for (const [b, w] of CASES) {
    const ours = med('lvs-image', b, w);
    const cells = names.map((n) => {
      const lock = w > 1 && !servers.find((s) => s.name === n)!.windowsize;
      return med(n, b, w).toFixed(1) + (lock ? '*' : '');
    });
    const ratios = names.slice(1).map((n) => `${(ours / med(n, b, w)).toFixed(2)}x`);
    process.stdout.write(
      [String(b), String(w), ...cells, ...ratios].map((c) => c.padStart(12)).join('') + '\n',
    );
  }
  process.stdout.write(
    '* the server has no windowsize (RFC 7440): it ignored the option and ran lock-step\n',
  );
  for (const [k, v] of Object.entries(goals)) process.stdout.write(`${k}: ${v.toFixed(2)}x\n`);
  process.stdout.write(`load average (1 min) before/after: ${load.map((l) => l.toFixed(1)).join(' / ')}\n`);
}

if (process.getuid?.() === 0 && process.env.LVSI_BENCH_NS === undefined)
  process.exitCode = await runInBenchNamespace();
else await main();
