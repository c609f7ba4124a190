/**
 * The lab: namespaces and bridges, real servers answering HTTP, a client, an operator's host, and the plan's
 * directors as QEMU guests on tap NICs (a lone director, or both members of a pair). Sends real traffic to the VIP,
 * runs the plan's checks and scenarios, and reports them. Everything it made (namespaces with their links,
 * processes by PID) is removed on return, on failure and on Ctrl-C.
 */
import path from 'node:path';
import { run } from '../lib/exec.js';
import { withTeardown } from '../lib/teardown.js';
import { ACCESS_CHECKS, STEADY_CHECKS } from './checks/index.js';
import { startSyslogReceiver } from './checks/syslog.js';
import type { CheckContext } from './checks/types.js';
import { closeSession, newSession, type LabContext, type LabOptions } from './context.js';
import { startBootServer, startRealServers } from './hosts.js';
import { bootMember } from './members.js';
import { createLabNetwork } from './network.js';
import { startNtpServer } from './ntp-server.js';
import { runPairLab } from './scenarios/pair.js';
import { runScenario } from './scenarios/run.js';
import type { LabCheck } from './tally.js';

export type { LabOptions, RollTarget } from './context.js';

/** The checks and where the first console log is. */
export interface LabResult {
  ok: boolean;
  checks: LabCheck[];
  consoleLog: string;
}

/** A lone director: boot it, then the steady checks, the scenarios (if the gates passed), the access checks. */
async function runDirectorLab(ctx: LabContext): Promise<LabCheck[]> {
  const member = ctx.plan.members[0];
  if (member === undefined) return [];
  const guest = await bootMember(ctx, member);
  const c: CheckContext = { ...ctx, guest };
  const checks: LabCheck[] = [];
  let gated = false;
  for (const m of STEADY_CHECKS.filter((x) => x.applies(ctx.plan))) {
    const found = await m.run(c);
    checks.push(...found);
    if (m.gate === true && found.some((f) => !f.ok)) gated = true;
  }
  if (!gated) for (const s of ctx.plan.scenarios) checks.push(...(await runScenario(ctx, s)));
  for (const m of ACCESS_CHECKS.filter((x) => x.applies(ctx.plan))) checks.push(...(await m.run(c)));
  return checks;
}

/** Builds the lab, runs it, and tears everything down (also on Ctrl-C: then it throws InterruptedError). */
export async function runLab(o: LabOptions): Promise<LabResult> {
  const pair = o.plan.members.length > 1;
  const ctx: LabContext = { ...o, session: newSession(pair ? { kind: 'streaming' } : { kind: 'httpd' }) };
  return withTeardown(
    () => closeSession(ctx, run),
    "the lab's guests, helpers and namespaces",
    async () => {
      await createLabNetwork(o.plan, run);
      ctx.session.servers = await startRealServers(o.plan, o.workDir, ctx.session.serverKind);
      const d = ctx.session.daemons;
      if (o.serveCommand !== undefined && !pair) d.push(await startBootServer(o, o.serveCommand));
      const ops = o.plan.ops;
      if (ops?.syslog !== undefined)
        d.push(await startSyslogReceiver(o.workDir, { ...ops, syslog: ops.syslog }));
      if (ops?.ntp !== undefined) d.push(await startNtpServer(ops.host.ns, o.workDir));
      const checks = pair ? await runPairLab(ctx) : await runDirectorLab(ctx);
      return {
        ok: checks.length > 0 && checks.every((c) => c.ok),
        checks,
        consoleLog: path.join(o.workDir, `${o.plan.hostname}-console-1.log`),
      };
    },
  );
}
