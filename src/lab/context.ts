/**
 * What a running lab holds: its plan and options, and the session (guests by hostname, each real server's HTTP
 * server, the other helper processes), all stopped by PID and the network removed by `closeSession`.
 */
import { BuildError } from '../lib/errors.js';
import type { Run } from '../lib/exec.js';
import type { Guest } from '../lib/qemu.js';
import type { Daemon } from './daemon.js';
import type { ServerKind } from './hosts.js';
import { removeLabNetwork } from './network.js';
import type { LabPlan } from './plan/types.js';

/** The build a pair's rolling change moves it onto. */
export interface RollTarget {
  /** Site root of the new build (per-director kernel, initrd, cmdline). */
  siteRoot: string;
  /** The new spec's whole IPVS table, as `ipvsadm -Sn` prints it. */
  healthyTable: string;
  /** What changed, for the report (e.g. `dsas-ha.yaml -> dsas-ha-reweighted.yaml`). */
  label: string;
}

/** What to run the lab on. */
export interface LabOptions {
  plan: LabPlan;
  /** Published site root holding `<hostname>/<hostname>-kernel`, `-initrd.img`, `-cmdline`. */
  siteRoot: string;
  /** Folder for the console logs, the helpers' logs and documents. */
  workDir: string;
  /** Bound on each director boot, start to ready line. */
  timeoutMs: number;
  /** Requests per check. */
  requests: number;
  /** A lone director: PXE-boot it from `lvs-image serve` in the boot namespace (this argv runs lvs-image). */
  serveCommand?: string[];
  /** access.ssh: the private key the lab logs in with (its public half is an authorized key). */
  sshKey?: string;
  /** A pair: finish with a rolling change onto this build. */
  roll?: RollTarget;
}

/** The running lab's processes. */
export interface LabSession {
  guests: Map<string, Guest>;
  /** When each guest printed its ready line (ms since the epoch). */
  readyAt: Map<string, number>;
  /** Each real server's HTTP server by name: scenarios stop and replace them. */
  servers: Map<string, Daemon>;
  /** How the real servers answer when (re)started: busybox httpd, or the streaming server of a pair's lab. */
  serverKind: ServerKind;
  daemons: Daemon[];
  /** Boots so far (numbers the console logs). */
  boots: number;
  /** Streams opened so far (numbers their client ports). */
  streams: number;
}

/** A lab in progress. */
export interface LabContext extends LabOptions {
  session: LabSession;
}

/** A new, empty session. */
export function newSession(serverKind: ServerKind): LabSession {
  return {
    guests: new Map(),
    readyAt: new Map(),
    servers: new Map(),
    serverKind,
    daemons: [],
    boots: 0,
    streams: 0,
  };
}

/** The running guest of `hostname`; a lab step that needs one that is not running is a lab bug. */
export function guestOf(ctx: LabContext, hostname: string): Guest {
  const g = ctx.session.guests.get(hostname);
  if (g === undefined) throw new BuildError(`the lab has no running guest for ${hostname}`);
  return g;
}

/**
 * Stops every guest and helper process by PID and removes the lab's namespaces: the namespaces go even when a
 * stop fails (that error is rethrown afterwards).
 */
export async function closeSession(ctx: LabContext, run: Run): Promise<void> {
  const s = ctx.session;
  try {
    const guests = [...s.guests.values()];
    s.guests.clear();
    for (const g of guests) await g.stop();
    const helpers = [...s.daemons, ...s.servers.values()];
    for (const d of helpers) await d.stop();
  } finally {
    await removeLabNetwork(ctx.plan, run);
  }
}
