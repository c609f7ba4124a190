/** The lab's traffic checks: requests from the client, then quiescing and removing a real server on the director. */
import { run } from '../lib/exec.js';
import { runInNetns } from '../lib/netns.js';
import type { Guest } from '../lib/qemu.js';
import { checkHealthySettled, runHealthChecks, type Servers } from './health.js';
import type { LabOptions } from './index.js';
import { checkReplyPath, readReplyCounters, startReplyCounters } from './reply-path.js';
import { checkAllAnswer, checkOnly, tallyAnswers, type LabCheck } from './tally.js';

/** Sends `o.requests` HTTP requests from the client to the VIP, one at a time; undefined marks a failed one. */
async function ask(o: LabOptions): Promise<(string | undefined)[]> {
  const { vip, port, host } = o.plan.target;
  const bodies: (string | undefined)[] = [];
  for (let i = 0; i < o.requests; i++) {
    const args = [
      '-s',
      '--max-time',
      '5',
      ...(host !== undefined ? ['-H', `Host: ${host}`] : []),
      `http://${vip}:${port}/`,
    ];
    const r = await runInNetns(o.plan.client.ns, 'curl', args, { reject: false, timeoutMs: 10_000 });
    bodies.push(r.exitCode === 0 ? r.stdout : undefined);
  }
  return bodies;
}

/** Loads a whole rules table on the director; returns a problem when `ipvsadm -Sn` then differs from it. */
async function applyRules(con: Guest['console'], rules: string): Promise<string | undefined> {
  const lines = rules.split('\n').filter((l) => l !== '');
  const words = lines.map((l) => `'${l}'`).join(' ');
  await con.run(`ipvsadm -C && printf '%s\\n' ${words} | ipvsadm -R`, 60_000);
  const saved = (await con.run('ipvsadm -Sn', 60_000)).output.trim();
  return saved === lines.join('\n') ? undefined : `ipvsadm -Sn after loading shows:\n${saved}`;
}

/** Runs every traffic check against the booted director. */
export async function runChecks(o: LabOptions, guest: Guest, servers: Servers): Promise<LabCheck[]> {
  const { plan } = o;
  // keepalived owns the table: wait for it to add every member, then fail the victim for real (never ipvsadm).
  if (plan.mode === 'keepalived') {
    const settled = await checkHealthySettled(o, guest);
    return [settled, ...(settled.ok ? await runHealthChecks(o, guest, servers) : [])];
  }
  const names = plan.realServers.map((r) => r.name);
  const mac = plan.directorMac;
  const replyPath = plan.replyPath;
  if (mac !== undefined && replyPath !== undefined)
    await startReplyCounters(plan.client.ns, plan.target.vip, mac, run);
  const checks = [
    checkAllAnswer(
      `${o.requests} requests: every real server answers`,
      tallyAnswers(await ask(o), plan.realServers),
    ),
  ];
  if (mac !== undefined && replyPath !== undefined) {
    checks.push(checkReplyPath(replyPath, await readReplyCounters(plan.client.ns, run)));
  }
  const victim = plan.victim;
  if (victim === undefined) return checks;
  const others = names.filter((n) => n !== victim.name);
  const con = guest.console;
  // NOTE: each variant is the spec with one change (the victim at weight 0, then without the victim), rendered
  // to a whole `ipvsadm -Sn` table and loaded the way the image loads its own: `ipvsadm -C` then `ipvsadm -R`.
  const quiesced = await applyRules(con, victim.rulesQuiesced);
  const listing = (await con.run('ipvsadm -Ln', 60_000)).output;
  const listed = new RegExp(`-> ${victim.dest.replace(/\./g, '\\.')}\\s+\\S+\\s+0\\s`).test(listing);
  const answersQuiesced = checkOnly(
    `${victim.name} at weight 0 in the spec: only ${others.join(', ')} answer`,
    tallyAnswers(await ask(o), plan.realServers),
    others,
  );
  const problems = [
    ...(quiesced === undefined ? [] : [quiesced]),
    ...(listed ? [] : [`ipvsadm -Ln does not list ${victim.dest} with weight 0`]),
  ];
  checks.push(
    problems.length === 0
      ? answersQuiesced
      : { ...answersQuiesced, ok: false, detail: `${answersQuiesced.detail}; ${problems.join('; ')}` },
  );
  const removed = await applyRules(con, victim.rulesRemoved);
  const answersRemoved = checkOnly(
    `${victim.name} removed from the spec: only ${others.join(', ')} answer`,
    tallyAnswers(await ask(o), plan.realServers),
    others,
  );
  checks.push(
    removed === undefined
      ? answersRemoved
      : { ...answersRemoved, ok: false, detail: `${answersRemoved.detail}; ${removed}` },
  );
  return checks;
}
