/**
 * Network namespace helpers: the only module that creates or deletes namespaces, veth pairs, bridges and taps.
 * Everything runs `ip` through `run` (src/lib/exec.ts), so callers may pass a fake `run` in tests.
 *
 * Safety contract (see the helper brief): lab addresses live only inside namespaces made here; no function puts
 * an address on a host-namespace interface (every link function takes the namespace it acts in, and veth
 * pairs are created directly inside their namespaces). Names must be unique per process (use `labName`), and
 * every namespace created must be deleted by the caller in all cases (`withNetns` does it for you).
 */
import { existsSync } from 'node:fs';
import { run as realRun, type Run, type RunOptions, type RunResult } from './exec.js';
import { BuildError } from './errors.js';

/** Bound on every `ip` call: they are instant, and a hang must not stall a test. */
const IP_TIMEOUT_MS = 15_000;

/**
 * Absolute path of a system tool from /usr/sbin or /sbin: `npx`/ava put node_modules/.bin first on PATH, and
 * it may hold an unrelated `nft` (@vercel/nft) or `tc`.
 */
export function systemTool(name: string): string {
  return (
    ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((p) => existsSync(p)) ?? name
  );
}

/** `lvsi-<tag>-<pid>-<suffix>`, unique per process; kept short because interface names max out at 15 bytes. */
export function labName(tag: string, suffix: string, pid: number = process.pid): string {
  return `lvsi-${tag}-${pid}-${suffix}`;
}

function checkName(kind: string, name: string, max: number): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.length > max) {
    throw new BuildError(`bad ${kind} name "${name}": use at most ${max} letters, digits, '-', '_' or '.'`);
  }
  return name;
}

/** The argv that runs `file args` inside namespace `ns` (pure). */
export function netnsExecArgs(ns: string, file: string, args: readonly string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', checkName('namespace', ns, 64), file, ...args]];
}

/** Runs `file args` inside namespace `ns` through `run`. */
export function runInNetns(
  ns: string,
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
  run: Run = realRun,
): Promise<RunResult> {
  const [ip, argv] = netnsExecArgs(ns, file, args);
  return run(ip, argv, { timeoutMs: IP_TIMEOUT_MS, ...opts });
}

function ipIn(ns: string, args: readonly string[], run: Run): Promise<RunResult> {
  return run('ip', ['-n', checkName('namespace', ns, 64), ...args], { timeoutMs: IP_TIMEOUT_MS });
}

/** Creates namespace `ns` with its loopback up. */
export async function createNetns(ns: string, run: Run = realRun): Promise<void> {
  await run('ip', ['netns', 'add', checkName('namespace', ns, 64)], { timeoutMs: IP_TIMEOUT_MS });
  await ipIn(ns, ['link', 'set', 'lo', 'up'], run);
}

/** Deletes namespace `ns` (and every interface inside it); no error when it is already gone. */
export async function deleteNetns(ns: string, run: Run = realRun): Promise<void> {
  await run('ip', ['netns', 'delete', checkName('namespace', ns, 64)], {
    timeoutMs: IP_TIMEOUT_MS,
    reject: false,
  });
}

/** Names of the namespaces that exist now (`ip netns list`). */
export async function listNetns(run: Run = realRun): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeoutMs: IP_TIMEOUT_MS });
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

/** One end of a link: the namespace it lives in, its name, and an optional `addr/prefix`. */
export interface LinkEnd {
  ns: string;
  ifname: string;
  /** IPv4 address with prefix, e.g. `10.99.0.1/30`. */
  cidr?: string;
}

/** Adds `cidr` to `ifname` in `ns` and brings the link up. */
export async function configureLink(end: LinkEnd, run: Run = realRun): Promise<void> {
  if (end.cidr !== undefined) await ipIn(end.ns, ['addr', 'add', end.cidr, 'dev', end.ifname], run);
  await ipIn(end.ns, ['link', 'set', end.ifname, 'up'], run);
}

/** Creates a veth pair between two namespaces (both ends created inside them, never in the host's), addressed and up. */
export async function createVethPair(a: LinkEnd, b: LinkEnd, run: Run = realRun): Promise<void> {
  checkName('interface', a.ifname, 15);
  checkName('interface', b.ifname, 15);
  await ipIn(a.ns, ['link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns], run);
  await configureLink(a, run);
  await configureLink(b, run);
}

/**
 * Creates an interface named `ifname` inside `ns` that leads nowhere (a veth pair with both ends in `ns`, the
 * other end called `peer`), up: for programs that only need the name to exist (keepalived -t). The host kernel
 * here has no `dummy` link type.
 */
export async function createLoneLink(
  ns: string,
  ifname: string,
  peer: string,
  run: Run = realRun,
): Promise<void> {
  checkName('interface', ifname, 15);
  checkName('interface', peer, 15);
  await ipIn(ns, ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', peer], run);
  await configureLink({ ns, ifname }, run);
  await configureLink({ ns, ifname: peer }, run);
}

/** Creates a bridge inside `end.ns`, addressed and up. */
export async function createBridge(end: LinkEnd, run: Run = realRun): Promise<void> {
  await ipIn(end.ns, ['link', 'add', checkName('interface', end.ifname, 15), 'type', 'bridge'], run);
  await configureLink(end, run);
}

/** Creates a tap device inside `end.ns` (for `-netdev tap,ifname=...`), optionally enslaved to `bridge`, and up. */
export async function createTap(end: LinkEnd & { bridge?: string }, run: Run = realRun): Promise<void> {
  await ipIn(end.ns, ['tuntap', 'add', 'dev', checkName('interface', end.ifname, 15), 'mode', 'tap'], run);
  if (end.bridge !== undefined) await ipIn(end.ns, ['link', 'set', end.ifname, 'master', end.bridge], run);
  await configureLink(end, run);
}

/** Moves an existing interface of namespace `from` into namespace `to` (e.g. a veth end onto a bridge's side). */
export async function moveLink(from: string, ifname: string, to: string, run: Run = realRun): Promise<void> {
  await ipIn(
    from,
    ['link', 'set', checkName('interface', ifname, 15), 'netns', checkName('namespace', to, 64)],
    run,
  );
}

/** Packet loss and reordering to apply to a link's outgoing traffic. */
export interface Impairment {
  lossPercent: number;
  /** Share of packets sent late (reordered behind later ones). */
  reorderPercent: number;
  delayMs: number;
}

/**
 * Makes `ifname` in `ns` lose and reorder outgoing packets. Uses `tc netem` (loss, reorder, delay) when the kernel
 * has it; otherwise (kernels without CONFIG_NET_SCH_NETEM) nftables drops `lossPercent` of packets and sends
 * `reorderPercent` through a slow HTB class (a few ms per packet), so they arrive behind later ones.
 * Returns which method was applied.
 */
export async function impairLink(
  ns: string,
  ifname: string,
  imp: Impairment,
  run: Run = realRun,
): Promise<'netem' | 'nft+htb'> {
  const netem = await run(
    'ip',
    [
      'netns',
      'exec',
      ns,
      systemTool('tc'),
      'qdisc',
      'add',
      'dev',
      ifname,
      'root',
      'netem',
      'loss',
      `${imp.lossPercent}%`,
      'reorder',
      `${imp.reorderPercent}%`,
      '50%',
      'delay',
      `${imp.delayMs}ms`,
    ],
    { timeoutMs: IP_TIMEOUT_MS, reject: false },
  );
  if (netem.exitCode === 0) return 'netem';
  const tc = (args: string[]): Promise<RunResult> => runInNetns(ns, systemTool('tc'), args, {}, run);
  await tc(['qdisc', 'add', 'dev', ifname, 'root', 'handle', '1:', 'htb', 'default', '10']);
  await tc(['class', 'add', 'dev', ifname, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit']);
  // NOTE: HTB cannot add a fixed delay; a slower class holds the chosen packets back behind later ones. Its rate
  // is a compromise: slow enough to reorder within a burst, fast enough not to become the link's bottleneck
  // (a 2 Mbit/s class queued whole 8192-byte windows for 100+ ms). `delayMs` scales it: 5 ms → 20 Mbit/s.
  const slowKbit = Math.max(1000, Math.round(100_000 / Math.max(1, imp.delayMs)));
  await tc([
    'class',
    'add',
    'dev',
    ifname,
    'parent',
    '1:',
    'classid',
    '1:20',
    'htb',
    'rate',
    `${slowKbit}kbit`,
    'ceil',
    `${slowKbit}kbit`,
  ]);
  const table = `lvsi_impair_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const rules = [
    `table inet ${table} {`,
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    `    oifname "${ifname}" numgen random mod 100 < ${imp.lossPercent} counter drop`,
    // HTB picks the class named by skb->priority when it is one of its own class ids.
    `    oifname "${ifname}" numgen random mod 100 < ${imp.reorderPercent} counter meta priority set 1:20`,
    '  }',
    '}',
  ].join('\n');
  await runInNetns(ns, systemTool('nft'), ['-f', '-'], { input: rules + '\n' }, run);
  return 'nft+htb';
}

/**
 * Creates the namespaces `names`, runs `fn`, and deletes them whatever happens (also when creation failed
 * halfway). The usual way to get a throw-away lab.
 */
export async function withNetns<T>(
  names: readonly string[],
  fn: () => Promise<T>,
  run: Run = realRun,
): Promise<T> {
  try {
    for (const ns of names) await createNetns(ns, run);
    return await fn();
  } finally {
    for (const ns of names) await deleteNetns(ns, run);
  }
}
