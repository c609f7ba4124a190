/**
 * Boots one published director in QEMU (software emulation) and checks it against what the spec says:
 * the ready line, the IPVS table, the IPVS versions, ip_forward and the VIPs. The console log is kept.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { directorFiles } from '../layout.js';
import type { GuestConsole } from '../lib/console.js';
import { BuildError } from '../lib/errors.js';
import { startGuest } from '../lib/qemu.js';
import type { GuestSpec } from '../lib/qemu-args.js';
import { checkBoot, type BootCheck, type BootExpectation, type BootObservation } from './checks.js';
import { guestSpecFor, type BootVia, type GuestInterface } from './guest.js';
import type { HardwareExpectation } from './hardware-cells.js';
import { checkHardware } from './hardware-checks.js';
import { observeHardware, type HardwareObservation } from './observe-hardware.js';
import {
  BOOT_DONE_PATTERN,
  FINAL_PATTERN,
  masterLine,
  parseDegradedLine,
} from '../runtime/console-contract.js';
import { observeDaemons, poll, SETTLE_MS } from './observe-daemons.js';
import { normalizeRules } from './parse.js';

export type { BootVia, GuestInterface } from './guest.js';
export type { BootCheck, BootExpectation } from './checks.js';

/** What to boot, how, and what it should show. */
export interface BootTestOptions {
  siteRoot: string;
  hostname: string;
  expected: BootExpectation;
  /** `direct` or `pxe` (QEMU's own DHCP/TFTP), or the id of a boot-matrix cell (src/boot-test/cells.ts). */
  via: string;
  /** The guest of a boot-matrix cell (firmware, NICs, namespace); absent: the guest `via` gives. */
  guest?: GuestSpec & { netns?: string };
  consoleLog: string;
  /** Bound on the boot itself (start to ready line); each probe command gets its own smaller bound. */
  timeoutMs: number;
  /** The director's NICs in eth0, eth1, ... order; default one NIC (eth0) plus any VIP interface. */
  interfaces?: GuestInterface[];
  /** A hardware cell's checks (CPUs, NIC models and drivers, MSI-X, watchdog), after the plain ones. */
  hardware?: HardwareExpectation;
}

/** The outcome of one boot. */
export interface BootTestResult {
  hostname: string;
  via: string;
  ok: boolean;
  checks: BootCheck[];
  consoleLog: string;
  /** Milliseconds from starting QEMU to /init's last boot line; undefined when none came. */
  bootMs?: number;
  /** Which line that was: ready, DEGRADED, or a FAILED line with neither after it. */
  bootEnd?: 'ready' | 'DEGRADED' | 'FAILED';
  /** A boot that must fail (Secure Boot refusing unsigned code): no ready line is expected. */
  mustFail?: boolean;
}

// Each probe answers in well under a second; the bound covers a machine loaded many times over.
const PROBE_TIMEOUT_MS = 60_000;
const READY_AFTER_FAILURE_MS = 60_000;

function defaultInterfaces(expected: BootExpectation): GuestInterface[] {
  const names = new Set(['eth0', ...expected.vips.map((v) => v.interface)]);
  return [...names].sort().map((name) => ({ name }));
}

/** Runs the probe commands on the guest shell and collects what they print. */
async function observe(
  con: GuestConsole,
  hostname: string,
  ifaces: string[],
  netfilter: boolean,
  expected: BootExpectation,
): Promise<BootObservation> {
  const run = async (command: string): Promise<string> => (await con.run(command, PROBE_TIMEOUT_MS)).output;
  // NOTE: quiet the kernel first, so its messages do not land between the markers of the probes.
  await run('dmesg -n 1');
  const observation: BootObservation = {
    hostname,
    console: '',
    // keepalived writes its table as the first checks fail: wait (bounded) for it to settle.
    rules:
      expected.mode === 'keepalived'
        ? await poll(
            run,
            'ipvsadm -Sn',
            (o) => normalizeRules(o) === normalizeRules(expected.rules),
            SETTLE_MS,
          )
        : await run('ipvsadm -Sn'),
    ipvsadmVersion: await run('ipvsadm --version'),
    procIpVs: await run('head -n 1 /proc/net/ip_vs'),
    ipForward: await run('cat /proc/sys/net/ipv4/ip_forward'),
    addresses: {},
  };
  // /init restores with iptables-legacy-restore when the image has it: list with the same backend.
  if (netfilter)
    observation.mangle = await run(
      'if command -v iptables-legacy >/dev/null; then iptables-legacy -t mangle -S PREROUTING; else iptables -t mangle -S PREROUTING; fi',
    );
  for (const name of ifaces) observation.addresses[name] = await run(`ip -4 addr show dev ${name}`);
  return { ...observation, ...(await observeDaemons(run, expected)) };
}

/** Boots the director of `opts` by `opts.via`, runs the checks, stops the guest, and returns the verdicts. */
export async function bootTest(opts: BootTestOptions): Promise<BootTestResult> {
  const files = directorFiles(opts.hostname);
  const cmdlineFile = path.join(opts.siteRoot, files.cmdline);
  const cmdline = await readFile(cmdlineFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new BuildError(
      `${cmdlineFile}: cannot read the director's kernel command line (${err.code ?? err.message})`,
      {
        hint: `run \`lvs-image build\` first; boot-test boots what it published under ${opts.siteRoot}`,
      },
    );
  });
  // /init parks PID 1 instead of offering a shell when the command line says lvs.shell=0: nothing to type on.
  if (cmdline.split(/\s+/).includes('lvs.shell=0'))
    throw new BuildError(
      `${cmdlineFile}: the command line has lvs.shell=0, so the director offers no console shell and boot-test cannot type its checks`,
      { hint: 'boot-test an image built without lvs.shell=0 in image.cmdline (add it for deployment only)' },
    );
  const interfaces = opts.interfaces ?? defaultInterfaces(opts.expected);
  const spec =
    opts.guest ??
    guestSpecFor(
      { siteRoot: opts.siteRoot, hostname: opts.hostname, interfaces, cmdline },
      opts.via as BootVia,
    );
  const started = Date.now();
  const guest = await startGuest({ ...spec, consoleLog: opts.consoleLog });
  let observation: BootObservation = { hostname: opts.hostname, console: '', addresses: {} };
  let hardware: HardwareObservation = {};
  let bootMs: number | undefined;
  let bootEnd: BootTestResult['bootEnd'];
  try {
    try {
      await guest.console.waitForLine(BOOT_DONE_PATTERN, opts.timeoutMs, 'the ready line');
      // /init goes on after a FAILED step: let it finish (bounded) with its DEGRADED line before typing, or the
      // terminal's echo of the probes could land in the middle of that line.
      const final = await guest.console
        .waitForLine(FINAL_PATTERN, READY_AFTER_FAILURE_MS, 'the ready or DEGRADED line')
        .then(
          () => true,
          () => false,
        );
      bootMs = Date.now() - started;
      bootEnd = !final
        ? 'FAILED'
        : parseDegradedLine(guest.console.text) !== undefined
          ? 'DEGRADED'
          : 'ready';
      const vrrp = opts.expected.vrrp;
      const masterMs: Record<string, number> = {};
      if (vrrp !== undefined) {
        // Alone, each instance must go MASTER after the master-down interval (bounded: that plus 30 s).
        for (const name of vrrp.instances) {
          const line = masterLine(name);
          const bound = (vrrp.startupS + vrrp.masterDownS) * 1000 + 30_000;
          const ok = await guest.console.waitForLine(line, bound, `${name} MASTER`).then(
            () => true,
            () => false,
          );
          if (ok) masterMs[name] = Date.now() - started - bootMs;
        }
      }
      const vipIfaces = [...new Set(opts.expected.vips.map((v) => v.interface))];
      const netfilter = opts.expected.netfilter !== undefined;
      observation = await observe(guest.console, opts.hostname, vipIfaces, netfilter, opts.expected);
      if (vrrp !== undefined) observation.vrrpMasterMs = masterMs;
      if (opts.hardware !== undefined)
        hardware = await observeHardware(
          async (command) => (await guest.console.run(command, PROBE_TIMEOUT_MS)).output,
          opts.hardware.watchdog,
        );
    } catch (err) {
      // A guest that never gets ready, or whose shell stops answering, fails the checks that need it; the
      // reason (timeout or QEMU exit) goes with the verdict, the console's last lines are in the log.
      if (!(err instanceof BuildError)) throw err;
      observation.stopped = err.message.split('\n')[0] ?? err.message;
    }
    observation.console = guest.console.text;
  } finally {
    await guest.stop();
  }
  // A hardware cell without `boot` (the negative: a NIC with no driver) is held to its own checks alone.
  const plain = opts.hardware === undefined || opts.hardware.checks.includes('boot');
  const checks = [
    ...(plain ? checkBoot(opts.expected, observation) : []),
    ...(opts.hardware !== undefined ? checkHardware(opts.hardware, hardware, observation.console) : []),
  ];
  const result: BootTestResult = {
    hostname: opts.hostname,
    via: opts.via,
    ok: checks.every((c) => c.ok),
    checks,
    consoleLog: opts.consoleLog,
  };
  if (bootMs !== undefined) result.bootMs = bootMs;
  if (bootEnd !== undefined) result.bootEnd = bootEnd;
  return result;
}
