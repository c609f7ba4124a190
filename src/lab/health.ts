/**
 * The lab's health-check phases, for a director whose IPVS table keepalived owns (src/lab/plan.ts `health`):
 * the victim's HTTP server is stopped, then brought back, then made to answer HTTP 500, then brought back. For
 * each change the lab measures, from the change to keepalived's new table, the time against the configured bound
 * (plus HEALTH_SLACK_S), and counts the client's failed requests during that window and after it (must be 0).
 */
import type { Guest } from '../lib/qemu.js';
import { ask, requestLoop, waitForTable } from './client.js';
import type { Daemon } from './daemon.js';
import { startFailingServer, startHttpd } from './hosts.js';
import type { LabOptions } from './index.js';
import { HEALTH_SLACK_S, type LabPlan } from './plan.js';
import { checkAllAnswer, checkOnly, tallyAnswers, type LabCheck } from './tally.js';

/** The running HTTP server of each real server, by name; the phases replace the victim's. */
export type Servers = Map<string, Daemon>;

/** How long the lab waits past the bound before it calls a change missing (to report how late it came). */
const OVERRUN_S = 20;
/** How long keepalived may take after boot to add every member (alpha: each one's first check must pass). */
const SETTLE_S = 60;

interface Phase {
  name: string;
  /** The table keepalived should reach after the change. */
  want: string;
  change: () => Promise<void>;
  /** Who may answer once the change is seen. */
  answering: string[];
}

async function runPhase(
  o: LabOptions,
  guest: Guest,
  h: NonNullable<LabPlan['health']>,
  p: Phase,
): Promise<LabCheck> {
  const loop = requestLoop(o);
  const t0 = Date.now();
  await p.change();
  const seen = await waitForTable(guest, p.want, h.boundS + HEALTH_SLACK_S + OVERRUN_S);
  const samples = await loop.stop();
  const allowed = h.boundS + HEALTH_SLACK_S;
  if (seen === undefined)
    return {
      name: p.name,
      ok: false,
      tally: tallyAnswers([], o.plan.realServers),
      detail: `the table did not change within ${allowed + OVERRUN_S} s (bound ${h.boundS} s + ${HEALTH_SLACK_S} s slack)`,
    };
  const seconds = (seen - t0) / 1000;
  const during = samples.filter((s) => s.at < seen && s.body === undefined).length;
  const afterLoop = samples.filter((s) => s.at >= seen && s.body === undefined).length;
  const after = checkOnly(p.name, tallyAnswers(await ask(o, o.requests), o.plan.realServers), p.answering);
  const inTime = seconds <= allowed;
  return {
    ...after,
    ok: inTime && after.ok && afterLoop === 0,
    detail:
      `${seconds.toFixed(1)} s (bound ${h.boundS} s + ${HEALTH_SLACK_S} s slack${inTime ? '' : ': TOO LATE'}); ` +
      `failed requests: ${during} of ${samples.filter((s) => s.at < seen).length} during, ${afterLoop} after; then ${after.detail}`,
    figure: { seconds, boundS: h.boundS },
  };
}

/**
 * Waits for keepalived to add every member (the whole spec table), then runs the four phases. `servers` holds
 * each real server's running HTTP server; the victim's is replaced along the way and left running at the end.
 */
export async function runHealthChecks(o: LabOptions, guest: Guest, servers: Servers): Promise<LabCheck[]> {
  const { plan } = o;
  const h = plan.health;
  const victim = plan.victim;
  if (h === undefined || victim === undefined) return [];
  const rs = plan.realServers.find((r) => r.name === victim.name);
  if (rs === undefined) return [];
  const names = plan.realServers.map((r) => r.name);
  const others = names.filter((n) => n !== victim.name);
  const swap = async (start: () => Promise<Daemon>): Promise<void> => {
    await servers.get(rs.name)?.stop();
    servers.set(rs.name, await start());
  };
  const out = h.onFailure === 'quiesce' ? 'weight 0' : 'removed';
  const phases: Phase[] = [
    {
      name: `(b) ${victim.name}'s HTTP server stopped: ${out}`,
      want: h.failed,
      change: async () => {
        await servers.get(rs.name)?.stop();
        servers.delete(rs.name);
      },
      answering: others,
    },
    {
      name: `(d) ${victim.name} back: in with its weight`,
      want: h.healthy,
      change: () => swap(() => startHttpd(o, rs)),
      answering: names,
    },
    {
      name: `(c) ${victim.name} answers HTTP 500: ${out}`,
      want: h.failed,
      change: () => swap(() => startFailingServer(o, rs, 500)),
      answering: others,
    },
    {
      name: `(d) ${victim.name} back after the 500s: in with its weight`,
      want: h.healthy,
      change: () => swap(() => startHttpd(o, rs)),
      answering: names,
    },
  ];
  const checks: LabCheck[] = [];
  for (const p of phases) checks.push(await runPhase(o, guest, h, p));
  return checks;
}

/** (a): keepalived has added every member (bounded), the table is the spec's, and every member answers. */
export async function checkHealthySettled(o: LabOptions, guest: Guest): Promise<LabCheck> {
  const h = o.plan.health;
  const name = '(a) every member healthy: the table is the spec, every member answers';
  if (h === undefined)
    return { name, ok: false, tally: tallyAnswers([], o.plan.realServers), detail: 'no health plan' };
  const t0 = Date.now();
  const seen = await waitForTable(guest, h.healthy, SETTLE_S);
  const all = checkAllAnswer(name, tallyAnswers(await ask(o, o.requests), o.plan.realServers));
  if (seen === undefined)
    return { ...all, ok: false, detail: `the table never equalled the spec in ${SETTLE_S} s; ${all.detail}` };
  return { ...all, detail: `table as the spec after ${((seen - t0) / 1000).toFixed(1)} s; ${all.detail}` };
}
