/**
 * Starts and stops dnsmasq for `serve --dhcp`: the config from dnsmasq-config.ts in a temporary folder, dnsmasq in
 * the foreground as our child, its log lines passed on, stopped by PID. A long-running child does not fit `run`
 * in src/lib/exec.ts, so this stage entry spawns it itself (as src/lib/qemu.ts does for QEMU).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError } from '../lib/errors.js';
import { formatCommand } from '../lib/exec.js';
import { dnsmasqArgs, renderDnsmasqConfig, type DnsmasqPlan } from './dnsmasq-config.js';

/** A running dnsmasq. */
export interface Dnsmasq {
  pid: number;
  confFile: string;
  /** SIGTERM by PID, SIGKILL after 5 s; removes the temporary folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** How long dnsmasq gets to report that it started (or why not). */
const START_TIMEOUT_MS = 10_000;
/** After "started", a failing interface or socket still makes dnsmasq exit within this time. */
const SETTLE_MS = 300;

/** Writes the config and starts dnsmasq; throws BuildError with dnsmasq's own words when it fails to start. */
export async function startDnsmasq(
  plan: Omit<DnsmasqPlan, 'leaseFile'>,
  onLine: (line: string) => void = () => undefined,
  binary = 'dnsmasq',
): Promise<Dnsmasq> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lvs-image-dnsmasq-'));
  const confFile = path.join(dir, 'dnsmasq.conf');
  await writeFile(confFile, renderDnsmasqConfig({ ...plan, leaseFile: path.join(dir, 'leases') }));
  const args = dnsmasqArgs(confFile, path.join(dir, 'dnsmasq.pid'));
  const command = formatCommand(binary, args);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let started: () => void = () => undefined;
  const startedLine = new Promise<void>((resolve) => (started = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output += chunk;
      for (const line of chunk.split('\n')) if (line.trim() !== '') onLine(line);
      if (/started, version/.test(output)) started();
    });
  }
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));

  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const failure = async (why: string): Promise<never> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cleanup();
    throw new BuildError(
      `dnsmasq failed to start (${why}):\n  ${command}\n--- dnsmasq said ---\n${output.trim() || '(nothing)'}`,
      {
        hint:
          'another DHCP server on this host (port 67), a wrong --interface, or --bind not on that interface; the config was:\n' +
          renderDnsmasqConfig({ ...plan, leaseFile: '(temporary)' }),
      },
    );
  };

  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), START_TIMEOUT_MS).unref(),
  );
  const first = await Promise.race([
    startedLine.then(() => 'started' as const),
    exited.then((c) => ({ code: c })),
    spawnError,
    timeout,
  ]);
  if (first instanceof Error) {
    await cleanup();
    throw new BuildError(`cannot run dnsmasq: ${first.message}`, {
      hint: 'install it: apt-get install dnsmasq (the service may stay disabled)',
    });
  }
  if (first === 'timeout') return failure(`no "started" line within ${START_TIMEOUT_MS / 1000} s`);
  if (first !== 'started') return failure(`exited with status ${first.code}`);
  const settled = await Promise.race([
    exited.then((c) => ({ code: c })),
    new Promise<'ok'>((r) => setTimeout(() => r('ok'), SETTLE_MS)),
  ]);
  if (settled !== 'ok') return failure(`exited with status ${settled.code}`);

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    confFile,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const gone = await Promise.race([
            exited.then(() => true),
            new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
          ]);
          if (!gone) child.kill('SIGKILL');
          await exited;
        }
        await cleanup();
      })()),
  };
}
