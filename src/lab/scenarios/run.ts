/**
 * Runs one scenario of the plan: makes its change (under traffic and timed by the one runner when it has a
 * bound), checks its expectation and who answers afterwards, then its follow-up checks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InternalError } from '../../lib/errors.js';
import { FOLLOW_UPS } from '../checks/index.js';
import { receivedSyslog } from '../checks/syslog.js';
import { verdict } from '../checks/types.js';
import { ask, LOOP_REQUEST_S, openStream, request, streamVerdict } from '../client.js';
import { countMatches, groupMasterLine } from '../console-lines.js';
import type { LabContext } from '../context.js';
import { waitForSynced, waitForTable } from '../members.js';
import type { LabExpectation, Scenario } from '../plan/types.js';
import { pollFor } from '../poll.js';
import { checkOnly, tallyAnswers, type LabCheck } from '../tally.js';
import { describeOutcome, outcomeOk, runTimedChange } from '../under-traffic.js';
import { applyChange, type ChangeOptions } from './changes.js';

/** The client's source port of the lab's n-th stream: fixed, so its entry can be found in `ipvsadm -Lnc`. */
const streamPort = (ctx: LabContext): number => 45000 + (++ctx.session.streams % 1000);

/**
 * A waiter for `member`'s next MASTER line, prepared before the change: a line counts once it is new (on a guest
 * booted by the change, any line). When it was seen, or undefined within `waitS`.
 */
export function masterObserver(
  ctx: LabContext,
  member: string,
): (waitS: number) => Promise<number | undefined> {
  const re = groupMasterLine(ctx.plan.pair?.instances ?? []);
  const was = ctx.session.guests.get(member)?.console;
  const before = countMatches(was?.text ?? '', re);
  return (waitS) =>
    pollFor(
      () => {
        const now = ctx.session.guests.get(member)?.console;
        return countMatches(now?.text ?? '', re) >= (now === was ? before + 1 : 1);
      },
      { boundMs: waitS * 1000, everyMs: 50 },
    );
}

/**
 * Returns a waiter for a timed expectation, prepared before the change (a MASTER line counts once it is new).
 */
function observer(ctx: LabContext, e: LabExpectation): (waitS: number) => Promise<number | undefined> {
  if (e.kind === 'table')
    return async (waitS) => {
      const g = ctx.session.guests.get(ctx.plan.hostname);
      return g === undefined ? undefined : waitForTable(g, e.table, waitS);
    };
  if (e.kind === 'master') return masterObserver(ctx, e.member);
  // The planner times only table and master expectations (src/lab/plan/scenarios.ts).
  throw new InternalError(`lab scenario expectation ${e.kind} has a bound but cannot be timed`);
}

/** An untimed expectation's problem once the change is made, or undefined. */
async function untimedProblem(ctx: LabContext, s: Scenario): Promise<string | undefined> {
  const e = s.expect;
  if (e.kind === 'rules') {
    const con = ctx.session.guests.get(ctx.plan.hostname)?.console;
    const saved = (await con?.run('ipvsadm -Sn', 60_000))?.output.trim() ?? '';
    if (saved !== e.table.trim()) return `ipvsadm -Sn after loading shows:\n${saved}`;
    if (e.weightZero === undefined) return undefined;
    const listing = (await con?.run('ipvsadm -Ln', 60_000))?.output ?? '';
    const listed = new RegExp(`-> ${e.weightZero.replace(/\./g, '\\.')}\\s+\\S+\\s+0\\s`).test(listing);
    return listed ? undefined : `ipvsadm -Ln does not list ${e.weightZero} with weight 0`;
  }
  if (e.kind === 'stays') {
    // The change booted a member; for `waitS` it must not take the addresses.
    await sleep(e.waitS * 1000);
    const member = 'member' in s.change ? s.change.member : '';
    const took = countMatches(
      ctx.session.guests.get(member)?.console.text ?? '',
      groupMasterLine(ctx.plan.pair?.instances ?? []),
    );
    return took > 0 ? `${member} became MASTER` : undefined;
  }
  return undefined;
}

/** Makes a timed change under traffic; the check with its figure. */
async function timed(ctx: LabContext, s: Scenario, boundS: number, o: ChangeOptions): Promise<LabCheck> {
  const { plan } = ctx;
  const chunks = s.traffic.streamChunks;
  const taker = s.expect.kind === 'master' ? s.expect.member : undefined;
  let synced = '';
  const stream =
    chunks === undefined
      ? undefined
      : (() => {
          const port = streamPort(ctx);
          const opened = Date.now();
          return {
            open: async () => streamVerdict(await openStream(plan, chunks, port)),
            // A connection younger than the sync daemon's flush time is lost on any failover: the lab proves
            // sync, not that race, so a running taker must hold the stream's entry before the change.
            before: async () => {
              const g = taker !== undefined ? ctx.session.guests.get(taker) : undefined;
              if (g === undefined) return undefined;
              const found = await waitForSynced(g, plan.client.cidr.split('/')[0] ?? '', plan.target, port);
              if (found === undefined)
                return `the stream's connection never reached ${taker ?? ''}'s table (connection sync)`;
              synced = `, in ${taker ?? ''}'s table ${((found.at - opened) / 1000).toFixed(1)} s after it opened`;
              return undefined;
            },
          };
        })();
  const member = 'member' in s.change ? s.change.member : '';
  const outcome = await runTimedChange({
    change: () => applyChange(ctx, s.change, o),
    observe: observer(ctx, s.expect),
    boundS,
    ...(s.from === 'ready' ? { from: () => ctx.session.readyAt.get(member) } : {}),
    recovery: s.recovery,
    send: () => request(plan, LOOP_REQUEST_S),
    ...(stream !== undefined ? { stream } : {}),
  });
  const answers =
    s.answering !== undefined && outcome.seconds !== undefined
      ? checkOnly(s.name, tallyAnswers(await ask(plan, ctx.requests), plan.realServers), s.answering)
      : undefined;
  return {
    name: s.name,
    ok: outcomeOk(outcome) && answers?.ok !== false,
    tally: answers?.tally ?? tallyAnswers([], plan.realServers),
    detail: `${describeOutcome(outcome)}${synced}${answers !== undefined ? `; then ${answers.detail}` : ''}`,
    ...(outcome.seconds !== undefined ? { figure: { seconds: outcome.seconds, boundS } } : {}),
  };
}

/** Runs scenario `s`; its check first, then its follow-ups. */
export async function runScenario(ctx: LabContext, s: Scenario, o: ChangeOptions = {}): Promise<LabCheck[]> {
  const mark = (await receivedSyslog(ctx.workDir)).length;
  let main: LabCheck;
  if (s.boundS !== undefined) main = await timed(ctx, s, s.boundS, o);
  else {
    await applyChange(ctx, s.change, o);
    const problem = await untimedProblem(ctx, s);
    const answers =
      s.answering !== undefined
        ? checkOnly(
            s.name,
            tallyAnswers(await ask(ctx.plan, ctx.requests), ctx.plan.realServers),
            s.answering,
          )
        : verdict(
            s.name,
            true,
            s.expect.kind === 'stays' ? `${s.expect.member} kept the addresses` : 'as expected',
          );
    main =
      problem === undefined ? answers : { ...answers, ok: false, detail: `${answers.detail}; ${problem}` };
  }
  const follow: LabCheck[] = [];
  for (const f of s.then ?? []) follow.push(await FOLLOW_UPS[f.check](ctx, f, mark));
  return [main, ...follow];
}
