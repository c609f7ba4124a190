/**
 * A pair's rolling change (after its scenarios): the members rebooted one at a time onto another build of the pair
 * (same members and MACs, another IPVS table), with a takeover window for each move of the addresses, under one
 * request loop. Requests may fail only inside the windows; both tables must end as the new spec's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { arpOwners, judgeArpOwners } from '../checks/arp-owner.js';
import { LOOP_REQUEST_S, request, requestLoop, type Sample } from '../client.js';
import { guestOf, type LabContext, type RollTarget } from '../context.js';
import { waitForTable } from '../members.js';
import { rollSteps } from '../plan/index.js';
import type { LabCheck } from '../tally.js';
import { lossAround } from '../under-traffic.js';
import { applyChange } from './changes.js';
import { masterObserver } from './run.js';

/** How long a takeover of the roll may take past its VRRP bound before the lab calls it missing. */
const WINDOW_OVERRUN_S = 30;
/** How long the new build's checks may take to fill a rebooted member's table. */
const TABLE_BOUND_S = 60;

interface Window {
  name: string;
  t0: number;
  seen: number | undefined;
}

/** Runs the rolling change onto `roll`; one check. */
export async function runRoll(ctx: LabContext, roll: RollTarget): Promise<LabCheck> {
  const { plan } = ctx;
  const steps = rollSteps(plan, plan.members);
  const windows: Window[] = [];
  const loop = requestLoop(() => request(plan, LOOP_REQUEST_S));
  await sleep(1500);
  for (const step of steps) {
    const taker = plan.members.find((m) => m.hostname === step.master);
    if (step.change.kind === 'stop-keepalived' && taker !== undefined)
      // Fail over by hand only once the new build's checks have filled the taker's table.
      await waitForTable(guestOf(ctx, taker.hostname), roll.healthyTable, TABLE_BOUND_S);
    const observe = taker !== undefined ? masterObserver(ctx, taker.hostname) : undefined;
    const started = Date.now();
    await applyChange(ctx, step.change, { root: roll.siteRoot });
    if (taker === undefined || observe === undefined) continue;
    // A reboot's window opens at its ready line (the boot itself moves nothing); a clean stop's at the stop.
    const booted = step.change.kind === 'boot-member';
    const t0 = booted ? Date.now() : started;
    const v = taker.vrrp;
    const boundS = booted
      ? (v?.startupS ?? 0) + (v?.masterDownS ?? 0) + (plan.pair?.preemptDelayS ?? 0)
      : (v?.skewS ?? 0);
    windows.push({ name: step.name, t0, seen: await observe(boundS + WINDOW_OVERRUN_S) });
  }
  const holder = [...steps].reverse().find((s) => s.master !== undefined)?.master ?? '';
  const order = plan.members.map((m) => m.hostname);
  const tables = await Promise.all(
    order.map((h) => waitForTable(guestOf(ctx, h), roll.healthyTable, TABLE_BOUND_S)),
  );
  await sleep(2000);
  const samples = await loop.stop();
  const arp = judgeArpOwners(
    '',
    await arpOwners(plan.client.ns, plan.target.vip),
    holder,
    plan.members.find((m) => m.hostname === holder)?.outsideMac,
  );
  return judgeRoll(
    roll,
    steps.map((s) => s.change.member),
    windows,
    samples,
    tables,
    arp,
    order,
  );
}

/** The roll's verdict: every window saw its MASTER and recovered, nothing failed outside them, tables and ARP right. */
export function judgeRoll(
  roll: RollTarget,
  moved: string[],
  windows: Window[],
  samples: Sample[],
  tables: (number | undefined)[],
  arp: LabCheck,
  order: string[],
): LabCheck {
  const figures = windows.map((w) => ({ ...w, ...lossAround(samples, w.t0, w.seen, 'answered') }));
  const inside = (s: Sample): boolean =>
    figures.some((w) => s.at >= w.t0 && w.recoveredS !== null && s.at < w.t0 + w.recoveredS * 1000);
  const outside = samples.filter((s) => s.body === undefined && !inside(s)).length;
  const tablesOk = tables.every((t) => t !== undefined);
  const ok =
    figures.every((w) => w.seen !== undefined && w.recoveredS !== null) &&
    outside === 0 &&
    tablesOk &&
    arp.ok;
  const each = figures.map(
    (w) =>
      `${w.name}: ${w.seen === undefined ? 'no MASTER' : `MASTER after ${((w.seen - w.t0) / 1000).toFixed(2)} s`}, ${w.during} failed until answered again${w.recoveredS !== null ? ` (${w.recoveredS.toFixed(2)} s)` : ' (never)'}`,
  );
  const tableText = tablesOk
    ? 'both tables the new spec'
    : `tables: ${tables.map((t, i) => `${order[i] ?? '?'} ${t !== undefined ? 'the new spec' : 'NOT the new spec'}`).join(', ')}`;
  const first = moved[0] ?? '?';
  const last = moved.at(-1) ?? '?';
  return {
    name: `rolling change (${roll.label}): ${first}, then ${last}, onto the new build`,
    ok,
    tally: { byServer: {}, unknown: 0, failed: 0 },
    detail: `${each.join('; ')}; ${outside} of ${samples.length} requests failed outside the takeover windows; ${tableText}; ${arp.detail}`,
  };
}
