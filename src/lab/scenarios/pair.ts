/**
 * A pair's lab after the network is up: both members boot (together under preempt; the preferred one first under
 * nopreempt, as an operator would), the steady state is checked (one master, both tables the spec's, every real
 * server answers, one MAC answers ARP, the metrics and the log host agree), then the plan's scenarios run and, when
 * given, the rolling change.
 */
import { ask } from '../client.js';
import { FOLLOW_UPS } from '../checks/index.js';
import { holderChecks } from '../plan/scenarios.js';
import { lastVrrpState } from '../console-lines.js';
import type { LabContext } from '../context.js';
import { bootMember, waitForTable } from '../members.js';
import { pollFor } from '../poll.js';
import { checkAllAnswer, tallyAnswers, type LabCheck } from '../tally.js';
import { runRoll } from './roll.js';
import { masterObserver, runScenario } from './run.js';

/** Booted together, the backup may win the first master-down race; the master then preempts it within this. */
const SETTLE_MS = 30_000;

/** Boots the pair and runs its checks. */
export async function runPairLab(ctx: LabContext): Promise<LabCheck[]> {
  const { plan } = ctx;
  const [master, backup] = plan.members;
  if (master === undefined || backup === undefined || plan.pair === undefined) return [];
  const instance = plan.pair.instances[0] ?? '';
  // Its first MASTER line, within its startup delay and master-down interval after the ready line (and a margin).
  const firstMaster = masterObserver(ctx, master.hostname);
  const gm = plan.pair.preempt
    ? (await Promise.all([bootMember(ctx, master), bootMember(ctx, backup)]))[0]
    : await bootMember(ctx, master);
  const mastered = await firstMaster((master.vrrp?.startupS ?? 0) + (master.vrrp?.masterDownS ?? 0) + 30);
  if (!plan.pair.preempt) await bootMember(ctx, backup);
  const gb = ctx.session.guests.get(backup.hostname);
  if (gb === undefined) return [];
  const tables = await Promise.all([gm, gb].map((g) => waitForTable(g, plan.healthyTable, 60)));
  const steady = checkAllAnswer(
    `steady: ${master.hostname} master, both tables the spec, every real server answers`,
    tallyAnswers(await ask(plan, ctx.requests), plan.realServers),
  );
  const settled = await pollFor(
    () =>
      lastVrrpState(gm.console.text, instance) === 'MASTER' &&
      lastVrrpState(gb.console.text, instance) === 'BACKUP',
    { boundMs: SETTLE_MS, everyMs: 50 },
  );
  const tablesOk = tables.every((t) => t !== undefined);
  const tableText = tablesOk
    ? 'both as the spec'
    : tables.map((t) => (t !== undefined ? 'as the spec' : 'not the spec')).join(' and ');
  const checks: LabCheck[] = [
    {
      ...steady,
      ok: steady.ok && mastered !== undefined && settled !== undefined && tablesOk,
      detail: `${master.hostname} ${lastVrrpState(gm.console.text, instance) ?? '?'}, ${backup.hostname} ${lastVrrpState(gb.console.text, instance) ?? '?'}, tables ${tableText}; ${steady.detail}`,
    },
  ];
  const both = [master.hostname, backup.hostname];
  const steadyFollowUps = holderChecks(plan, plan.members, 'steady', master.hostname, both, {
    arp: 'one director answers ARP for the VIP',
    held: `metrics say ${master.hostname} holds the floating addresses`,
  });
  for (const f of steadyFollowUps) checks.push(await FOLLOW_UPS[f.check](ctx, f, 0));
  for (const s of plan.scenarios) checks.push(...(await runScenario(ctx, s)));
  if (ctx.roll !== undefined) checks.push(await runRoll(ctx, ctx.roll));
  return checks;
}
