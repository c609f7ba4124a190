/**
 * The steady state of a lone director: its VIP is up; every real server answers the client (rules mode), or, when
 * keepalived owns the table, its checks have added every member (bounded) and then every member answers.
 */
import { parseInetAddresses } from '../../boot-test/parse.js';
import { ask } from '../client.js';
import { waitForTable } from '../members.js';
import { checkAllAnswer, tallyAnswers } from '../tally.js';
import { verdict, type LabCheckModule } from './types.js';

/** How long keepalived may take after boot to add every member (alpha: each one's first check must pass). */
const SETTLE_S = 60;

export const VIP_PRESENT: LabCheckModule = {
  id: 'vip-present',
  applies: (plan) => plan.members.length === 1,
  run: async (ctx) => {
    const { vip } = ctx.plan.target;
    const ip = parseInetAddresses((await ctx.guest.console.run('ip -4 addr', 60_000)).output);
    const on = ip.find((a) => a.address === vip);
    return [
      verdict(
        'VIP on the director',
        on !== undefined,
        on !== undefined ? `${vip} on ${on.label}` : `${vip} missing`,
      ),
    ];
  },
};

export const ANSWERS: LabCheckModule = {
  id: 'answers',
  applies: (plan) => plan.members.length === 1 && plan.mode === 'rules',
  run: async (ctx) => [
    checkAllAnswer(
      `${ctx.requests} requests: every real server answers`,
      tallyAnswers(await ask(ctx.plan, ctx.requests), ctx.plan.realServers),
    ),
  ],
};

export const SETTLED: LabCheckModule = {
  id: 'settled',
  applies: (plan) => plan.members.length === 1 && plan.mode === 'keepalived',
  gate: true,
  run: async (ctx) => {
    const name = '(a) every member healthy: the table is the spec, every member answers';
    const t0 = Date.now();
    const seen = await waitForTable(ctx.guest, ctx.plan.healthyTable, SETTLE_S);
    const all = checkAllAnswer(name, tallyAnswers(await ask(ctx.plan, ctx.requests), ctx.plan.realServers));
    if (seen === undefined)
      return [
        { ...all, ok: false, detail: `the table never equalled the spec in ${SETTLE_S} s; ${all.detail}` },
      ];
    return [
      { ...all, detail: `table as the spec after ${((seen - t0) / 1000).toFixed(1)} s; ${all.detail}` },
    ];
  },
};
