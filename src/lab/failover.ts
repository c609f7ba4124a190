/**
 * The failover lab of a director pair: both members boot as QEMU guests on the same lab bridges, real servers
 * (streaming HTTP) and a client in namespaces. Steady state: one master, one MAC answering ARP for the VIP, every
 * real server answering. Then, each under a request loop and a long-lived stream opened before the change: the
 * master's QEMU is killed (hard failure), it boots again (preempt takes the addresses back, or nopreempt leaves
 * them), and keepalived on the master is stopped cleanly (priority-0 advert). Each change is timed against its bound
 * and the client's failed requests are counted; none may fail once the new master answers, and every stream must end
 * complete. With access.metrics, each living member's `lvs_vip_held` is scraped at steady state, after the kill
 * and after the master's return: only the master may say it holds the floating addresses. With access.syslog, the
 * lab's log host must get each new master's "Entering MASTER STATE" line, sent from that member's inside address.
 * Everything the lab made is removed on return, on failure and on Ctrl-C.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { directorFiles } from '../layout.js';
import { run } from '../lib/exec.js';
import { createTap, runInNetns } from '../lib/netns.js';
import { startGuest, type Guest } from '../lib/qemu.js';
import { stopCommand } from '../runtime/daemons.js';
import { ask, requestLoop, waitForTable, type Sample } from './client.js';
import type { Daemon } from './daemon.js';
import { startRealServers, startStreamingServer } from './hosts.js';
import type { LabResult } from './index.js';
import { createLabNetwork, removeLabNetwork } from './network.js';
import type { LabMember, PairLabPlan } from './pair-plan.js';
import {
  parseVipHeld,
  receivedSyslog,
  scrapeMetrics,
  startSyslogReceiver,
  waitForSyslog,
} from './operations.js';
import { checkAllAnswer, tallyAnswers, type LabCheck } from './tally.js';

/** What to run the failover lab on. */
export interface FailoverOptions {
  plan: PairLabPlan;
  siteRoot: string;
  workDir: string;
  /** Bound on each boot, start to ready line. */
  timeoutMs: number;
  requests: number;
  /**
   * The rolling change, after the other phases: the pair's members rebooted one at a time onto another build of the
   * pair (same members and MACs, a different IPVS table), with a failover between them.
   */
  roll?: RollTarget;
}

/** The build a rolling change moves the pair onto. */
export interface RollTarget {
  /** Site root of the new build (per-director kernel, initrd, cmdline). */
  siteRoot: string;
  /** The new spec's whole IPVS table, as `ipvsadm -Sn` prints it. */
  healthyTable: string;
  /** What changed, for the report (e.g. `dsas-ha.yaml -> dsas-ha-reweighted.yaml`). */
  label: string;
}

/** Added to each VRRP bound: console latency, QEMU scheduling on a loaded 2-core machine. */
export const TAKEOVER_SLACK_S = 1;

/** Bound on a takeover's syslog line reaching the lab's receiver, counted once the change's checks are done. */
const SYSLOG_BOUND_S = 10;
/** Stops keepalived on a member for good (the supervisor honours the down file): a priority-0 advert goes out. */
const STOP_KEEPALIVED = stopCommand('keepalived');
/**
 * A stream of 150 chunks 100 ms apart: 15 s. It is opened before each change, which waits until the stream's
 * connection has reached the taking-over member's table (connection sync flushes a lone entry within about 2 s).
 */
const STREAM_CHUNKS = 150;
/** Bound on the wait for the stream's connection to reach the other member through connection sync. */
const SYNC_BOUND_S = 8;
/** The client's source port of the n-th stream: fixed, so the stream's entry can be found in `ipvsadm -Lnc`. */
const streamPort = (n: number): number => 45000 + n;

function masterLine(instance: string): RegExp {
  return new RegExp(`\\[keepalived\\] [^\\n]*\\(${instance}\\) Entering MASTER STATE`, 'g');
}

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

/** Waits (polling every 50 ms, bounded) until `re` has matched `n` times in `text()`; the time, or undefined. */
async function waitForCount(
  text: () => string,
  re: RegExp,
  n: number,
  boundMs: number,
): Promise<number | undefined> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (count(text(), re) >= n) return Date.now();
    await sleep(50);
  }
  return undefined;
}

/** Waits (polling every 50 ms) until `done()` or `boundMs` passes; whether it came true. */
async function waitFor(done: () => boolean, boundMs: number): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(50);
  }
  return true;
}

/** A long-lived GET of /stream through the VIP from the client: resolves with curl's exit status and the lines. */
function openStream(
  o: FailoverOptions,
  chunks: number,
  localPort: number,
): Promise<{ exit: number; lines: string[]; chunks: number }> {
  const { vip, port } = o.plan.base.target;
  return runInNetns(
    o.plan.base.client.ns,
    'curl',
    [
      '-s',
      '-N',
      '--local-port',
      String(localPort),
      '--max-time',
      String(chunks / 10 + 30),
      `http://${vip}:${port}/stream?chunks=${chunks}`,
    ],
    { reject: false, timeoutMs: (chunks / 10 + 60) * 1000 },
  ).then((r) => ({ exit: r.exitCode ?? -1, lines: r.stdout.split('\n').filter((l) => l !== ''), chunks }));
}

/** The stream check: curl ended without error and every chunk came, in order, from one real server. */
function streamVerdict(s: { exit: number; lines: string[]; chunks: number }): {
  ok: boolean;
  detail: string;
} {
  const body = s.lines[0]?.replace(/ \d+$/, '') ?? '';
  const inOrder = s.lines.every((l, i) => l === `${body} ${i}`);
  const ok = s.exit === 0 && s.lines.length === s.chunks && inOrder;
  return {
    ok,
    detail: ok
      ? `stream of ${s.chunks} chunks from ${body} complete`
      : `stream broken: curl exit ${s.exit}, ${s.lines.length} of ${s.chunks} chunks${inOrder ? '' : ' (out of order)'}`,
  };
}

/**
 * Waits (bounded) until `guest`'s connection table holds the client's connection from `localPort` to the VIP: the
 * sync daemon has carried it over. Seconds it took, or undefined.
 */
async function waitForSynced(
  o: FailoverOptions,
  guest: Guest,
  localPort: number,
): Promise<number | undefined> {
  const { vip, port } = o.plan.base.target;
  const client = o.plan.base.client.cidr.split('/')[0] ?? '';
  const entry = new RegExp(
    `\\s${client.replaceAll('.', '\\.')}:${localPort}\\s+${vip.replaceAll('.', '\\.')}:${port}\\s`,
  );
  const t0 = Date.now();
  const until = t0 + SYNC_BOUND_S * 1000;
  while (Date.now() < until) {
    if (entry.test((await guest.console.run('ipvsadm -Lnc', 30_000)).output)) return (Date.now() - t0) / 1000;
    await sleep(250);
  }
  return undefined;
}

/** MACs that answer ARP for the VIP on the client's segment (busybox arping, 3 probes). */
async function arpOwners(o: FailoverOptions): Promise<string[]> {
  const r = await runInNetns(
    o.plan.base.client.ns,
    'busybox',
    ['arping', '-c', '3', '-w', '3', '-I', 'eth0', o.plan.base.target.vip],
    { reject: false, timeoutMs: 15_000 },
  );
  return [...new Set([...r.stdout.matchAll(/\[([0-9a-f:]{17})\]/gi)].map((m) => (m[1] ?? '').toLowerCase()))];
}

function arpCheck(name: string, owners: string[], master: LabMember): LabCheck {
  const ok = owners.length === 1 && owners[0] === master.outsideMac;
  return {
    name,
    ok,
    tally: { byServer: {}, unknown: 0, failed: 0 },
    detail: `ARP for the VIP answered by ${owners.join(', ') || 'nobody'} (${master.hostname} is ${master.outsideMac ?? '?'})`,
  };
}

/**
 * Request-loop figures around a change at `t0` whose new master showed at `seen`: failed requests from the change
 * until the first answer to a request sent after `seen`, and failed requests after that answer (must be none).
 */
function lossAround(
  samples: Sample[],
  t0: number,
  seen: number | undefined,
): { during: number; after: number; recoveredS: number | null } {
  const recovered =
    seen === undefined ? undefined : samples.find((s) => s.at >= seen && s.body !== undefined)?.at;
  const failed = samples.filter((s) => s.at >= t0 && s.body === undefined);
  return {
    during: failed.filter((s) => recovered === undefined || s.at < recovered).length,
    after: recovered === undefined ? 0 : failed.filter((s) => s.at >= recovered).length,
    recoveredS: recovered === undefined ? null : (recovered - t0) / 1000,
  };
}

/**
 * access.metrics of a pair, as the operator's monitoring sees it: each living member's `lvs_vip_held`, scraped from
 * the ops host. The holder must say 1 for every floating address, every other member 0. Undefined without metrics.
 */
async function heldCheck(
  name: string,
  plan: PairLabPlan,
  living: LabMember[],
  holder: LabMember,
): Promise<LabCheck | undefined> {
  const ns = plan.base.ops?.host.ns;
  if (ns === undefined || living.some((m) => m.metricsUrl === undefined)) return undefined;
  const problems: string[] = [];
  const seen: string[] = [];
  for (const m of living) {
    const r = await scrapeMetrics(ns, m.metricsUrl ?? '');
    if (r.status !== '200') {
      problems.push(`${m.hostname}: HTTP ${r.status} from ${m.metricsUrl ?? ''}`);
      continue;
    }
    const held = parseVipHeld(r.body);
    const want = m === holder ? 1 : 0;
    const said = (a: string): string => `${a} ${held[a] ?? 'absent'}`;
    seen.push(`${m.hostname}: ${plan.floating.map(said).join(', ')}`);
    const wrong = plan.floating.filter((a) => held[a] !== want);
    if (wrong.length > 0)
      problems.push(`${m.hostname} says ${wrong.map(said).join(', ')} (expected ${want})`);
  }
  return {
    name,
    ok: problems.length === 0,
    tally: { byServer: {}, unknown: 0, failed: 0 },
    detail: problems.length === 0 ? `lvs_vip_held: ${seen.join('; ')}` : problems.join('; '),
  };
}

/**
 * access.syslog of a pair, as the operator's log host sees it: `member` said it entered MASTER state in a datagram
 * from its own inside address, among the lines received after the first `after` (bounded wait). Undefined without
 * syslog.
 */
async function takeoverLoggedCheck(
  name: string,
  o: FailoverOptions,
  member: LabMember,
  instance: string,
  after: number,
): Promise<LabCheck | undefined> {
  if (o.plan.base.ops?.syslog === undefined) return undefined;
  const entered = `(${instance}) Entering MASTER STATE`;
  const [line] = await waitForSyslog(
    o.workDir,
    [(l) => l.from === member.inside && l.text.includes(entered)],
    SYSLOG_BOUND_S * 1000,
    after,
  );
  return {
    name,
    ok: line !== undefined,
    tally: { byServer: {}, unknown: 0, failed: 0 },
    detail:
      line !== undefined
        ? `from ${line.from}: "${line.text.slice(0, 100)}"`
        : `no "${entered}" from ${member.hostname} (${member.inside ?? 'no inside address'}) within ${SYSLOG_BOUND_S} s of the change (${path.join(o.workDir, 'syslog-received.log')})`,
  };
}

/** The failover lab (see the module comment). */
export async function runFailoverLab(o: FailoverOptions): Promise<LabResult> {
  const { plan } = o;
  const base = plan.base;
  const guests = new Map<string, Guest>();
  const daemons: Daemon[] = [];
  let boots = 0;
  let streams = 0;
  const cleanup = async (): Promise<void> => {
    for (const g of guests.values()) await g.stop();
    for (const d of daemons) await d.stop();
    await removeLabNetwork(base, run);
  };
  const onSignal = (): void => void cleanup();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const boot = async (m: LabMember, root: string = o.siteRoot): Promise<Guest> => {
    const files = directorFiles(m.hostname);
    const cmdline = (await readFile(path.join(root, files.cmdline), 'utf8')).trim();
    const guest = await startGuest({
      name: m.hostname,
      consoleLog: path.join(o.workDir, `${m.hostname}-console-${++boots}.log`),
      netns: base.hub,
      nics: m.nics.map((n) => ({
        backend: { kind: 'tap' as const, ifname: n.tap },
        ...(n.mac !== undefined ? { mac: n.mac } : {}),
      })),
      direct: {
        kernel: path.join(root, files.kernel),
        initrd: path.join(root, files.initrd),
        append: cmdline,
      },
    });
    guests.set(m.hostname, guest);
    await guest.console.waitForLine(/^lvs-image: ready .*$/m, o.timeoutMs, 'the ready line');
    return guest;
  };

  const [master, backup] = plan.members;
  if (master === undefined || backup === undefined) throw new Error('a pair lab needs two members');
  const instance = plan.instances[0] ?? '';
  const checks: LabCheck[] = [];
  const none = { byServer: {}, unknown: 0, failed: 0 };
  try {
    await createLabNetwork(base, run);
    for (const m of plan.members.slice(1))
      for (const n of m.nics) await createTap({ ns: base.hub, ifname: n.tap, bridge: n.bridge }, run);
    daemons.push(...(await startRealServers({ ...o, plan: base }, startStreamingServer)));
    const receiver = base.ops !== undefined ? startSyslogReceiver(o.workDir, base.ops) : undefined;
    if (receiver !== undefined) daemons.push(await receiver);
    // Under preempt both members boot together (the preferred one takes the addresses whoever wins the first race);
    // under nopreempt the first MASTER keeps them, so the preferred member boots first, as an operator would.
    const preempt = plan.pair.preempt !== false;
    const masterBound = (master.startupS + master.masterDownS + 30) * 1000;
    let gm: Guest;
    let gb: Guest;
    let mastered: number | undefined;
    if (preempt) {
      [gm, gb] = await Promise.all([boot(master), boot(backup)]);
      mastered = await waitForCount(() => gm.console.text, masterLine(instance), 1, masterBound);
    } else {
      gm = await boot(master);
      mastered = await waitForCount(() => gm.console.text, masterLine(instance), 1, masterBound);
      gb = await boot(backup);
    }

    // Steady state: the preferred member is master, both tables are the spec's, one MAC answers ARP.
    const tables = await Promise.all([gm, gb].map((g) => waitForTable(g, plan.healthyTable, 60)));
    const steady = checkAllAnswer(
      `steady: ${master.hostname} master, both tables the spec, every real server answers`,
      tallyAnswers(await ask({ plan: base }, o.requests), base.realServers),
    );
    const lastState = (text: string): string | undefined =>
      [
        ...text.matchAll(new RegExp(`\\(${instance}\\) Entering (MASTER|BACKUP|FAULT) STATE`, 'g')),
      ].pop()?.[1];
    // Booted together, the backup may win the first master-down race; the master then preempts it. Steady means
    // the master's last state is MASTER and the backup's BACKUP (bounded wait).
    const settled = await waitFor(
      () => lastState(gm.console.text) === 'MASTER' && lastState(gb.console.text) === 'BACKUP',
      30_000,
    );
    const steadyOk = mastered !== undefined && settled && tables.every((t) => t !== undefined);
    checks.push({
      ...steady,
      ok: steady.ok && steadyOk,
      detail: `${master.hostname} ${lastState(gm.console.text) ?? '?'}, ${backup.hostname} ${
        lastState(gb.console.text) ?? '?'
      }, tables ${tables.every((t) => t !== undefined) ? 'both as the spec' : tables.map((t) => (t !== undefined ? 'as the spec' : 'not the spec')).join(' and ')}; ${steady.detail}`,
    });
    checks.push(arpCheck('steady: one director answers ARP for the VIP', await arpOwners(o), master));
    const held = async (name: string, living: LabMember[], holder: LabMember): Promise<void> => {
      const c = await heldCheck(name, plan, living, holder);
      if (c !== undefined) checks.push(c);
    };
    await held(
      `steady: metrics say ${master.hostname} holds the floating addresses`,
      [master, backup],
      master,
    );
    const logged = async (name: string, member: LabMember, after: number): Promise<void> => {
      const c = await takeoverLoggedCheck(name, o, member, instance, after);
      if (c !== undefined) checks.push(c);
    };
    const received = async (): Promise<number> => (await receivedSyslog(o.workDir)).length;
    await logged(`steady: the log host got ${master.hostname}'s MASTER line`, master, 0);

    // A change under traffic: a stream opened first, a request loop, the change, then the new master's console line
    // (counted from `from()`, default the change itself). When the taking-over member is already up, the change
    // waits until connection sync has carried the stream over to it: a connection younger than the sync daemon's
    // flush time is lost on any failover, and the lab proves sync, not that race.
    const underTraffic = async (c: {
      name: string;
      change: () => Promise<void>;
      newMaster: () => Guest | undefined;
      boundS: number;
      chunks?: number;
      from?: () => number;
    }): Promise<void> => {
      const text = (): string => c.newMaster()?.console.text ?? '';
      const before = count(text(), masterLine(instance));
      const localPort = streamPort(++streams);
      const opened = Date.now();
      const stream = openStream(o, c.chunks ?? STREAM_CHUNKS, localPort);
      const loop = requestLoop({ plan: base });
      await sleep(1500);
      const taker = c.newMaster();
      const synced = taker !== undefined ? await waitForSynced(o, taker, localPort) : null;
      const syncedAfter = (Date.now() - opened) / 1000;
      if (synced === undefined) {
        await loop.stop();
        await stream;
        checks.push({
          name: c.name,
          ok: false,
          tally: none,
          detail: `the stream's connection never reached the other member's table within ${SYNC_BOUND_S} s (connection sync); change not made`,
        });
        return;
      }
      const t0 = Date.now();
      await c.change();
      const seen = await waitForCount(text, masterLine(instance), before + 1, (c.boundS + 30) * 1000);
      await sleep(3000);
      const samples = await loop.stop();
      const st = streamVerdict(await stream);
      const loss = lossAround(samples, t0, seen);
      const takeover = seen === undefined ? undefined : (seen - (c.from?.() ?? t0)) / 1000;
      const inTime = takeover !== undefined && takeover <= c.boundS + TAKEOVER_SLACK_S;
      checks.push({
        name: c.name,
        ok: inTime && loss.after === 0 && loss.recoveredS !== null && st.ok,
        tally: none,
        detail:
          `${takeover !== undefined ? `MASTER after ${takeover.toFixed(2)} s` : 'no new MASTER'} (bound ${c.boundS.toFixed(2)} s + ${TAKEOVER_SLACK_S} s slack${takeover !== undefined && !inTime ? ': TOO LATE' : ''}); ` +
          `requests: ${loss.during} failed before the client was answered again${loss.recoveredS !== null ? ` (${loss.recoveredS.toFixed(2)} s after the change)` : ' (never)'}, ${loss.after} after; ${st.detail}` +
          (synced !== null
            ? `, in the other member's table ${syncedAfter.toFixed(1)} s after it opened`
            : ''),
        ...(takeover !== undefined ? { figure: { seconds: takeover, boundS: c.boundS } } : {}),
      });
    };

    // Hard failure: the master's QEMU is killed; the backup waits out its master-down interval.
    let mark = await received();
    await underTraffic({
      name: `hard failure: ${master.hostname} killed, ${backup.hostname} takes over`,
      change: async () => {
        process.kill(gm.pid, 'SIGKILL');
        await gm.exited;
        guests.delete(master.hostname);
      },
      newMaster: () => gb,
      boundS: backup.masterDownS,
    });
    checks.push(arpCheck(`after the kill: only ${backup.hostname} answers ARP`, await arpOwners(o), backup));
    await held(
      `after the kill: metrics say ${backup.hostname} holds the floating addresses`,
      [backup],
      backup,
    );
    await logged(`after the kill: the log host got ${backup.hostname}'s MASTER line`, backup, mark);

    // The old master boots again. preempt: it takes the addresses back (timed from its ready line); nopreempt: the
    // backup keeps them.
    let back: Guest | undefined;
    let readyAt = 0;
    const reboot = async (): Promise<void> => {
      back = await boot(master);
      readyAt = Date.now();
    };
    let current: [LabMember, Guest];
    let other: [LabMember, Guest];
    if (preempt) {
      mark = await received();
      await underTraffic({
        name: `${master.hostname} boots again: preempt takes the VIPs back`,
        change: reboot,
        newMaster: () => back,
        // A backup ignores adverts of a lower priority (RFC 3768 6.4.2): it takes over when its master-down timer
        // expires, counted from the start of VRRP (its startup delay after about its ready line).
        boundS: master.startupS + master.masterDownS + (plan.pair.preemptDelay ?? 0),
        chunks: 250,
        from: () => readyAt,
      });
      if (back === undefined) throw new Error(`${master.hostname} did not boot again`);
      checks.push(arpCheck(`back: only ${master.hostname} answers ARP`, await arpOwners(o), master));
      await held(`back: metrics say ${master.hostname} holds them again`, [master, backup], master);
      await logged(`back: the log host got ${master.hostname}'s MASTER line`, master, mark);
      [current, other] = [
        [master, back],
        [backup, gb],
      ];
    } else {
      await reboot();
      if (back === undefined) throw new Error(`${master.hostname} did not boot again`);
      await sleep((master.startupS + master.masterDownS + 2) * 1000);
      const took = count(back.console.text, masterLine(instance));
      const owners = await arpOwners(o);
      const kept = arpCheck(
        `${master.hostname} boots again: nopreempt leaves the VIPs on ${backup.hostname}`,
        owners,
        backup,
      );
      checks.push(
        took > 0 ? { ...kept, ok: false, detail: `${master.hostname} became MASTER; ${kept.detail}` } : kept,
      );
      [current, other] = [
        [backup, gb],
        [master, back],
      ];
    }

    // Clean stop: keepalived on the master stops for good and sends priority 0; the other member takes over after its
    // skew time instead of the whole master-down interval.
    mark = await received();
    await underTraffic({
      name: `clean stop: keepalived on ${current[0].hostname} stopped, ${other[0].hostname} takes over`,
      change: async () => {
        await current[1].console.run(STOP_KEEPALIVED, 60_000);
      },
      newMaster: () => other[1],
      boundS: other[0].skewS,
    });
    await logged(`clean stop: the log host got ${other[0].hostname}'s MASTER line`, other[0], mark);

    // Rolling change: the idle member onto the new build, a failover to it unless preempt already moved the
    // addresses, then the other member onto the new build. Failures are allowed only inside the takeover windows.
    if (o.roll !== undefined) {
      const roll = o.roll;
      let [holder, holderGuest] = other;
      let [idle, idleGuest] = current;
      const windows: { name: string; t0: number; seen: number | undefined }[] = [];
      const loop = requestLoop({ plan: base });
      await sleep(1500);
      // Reboots `m` onto the new build; if it outranks the holder under preempt, waits for it to take over.
      const moveOnto = async (m: LabMember, g: Guest, holding: LabMember): Promise<Guest> => {
        await g.stop();
        guests.delete(m.hostname);
        const fresh = await boot(m, roll.siteRoot);
        if (preempt && m.priority > holding.priority) {
          const t0 = Date.now();
          const bound = (m.startupS + m.masterDownS + (plan.pair.preemptDelay ?? 0) + 30) * 1000;
          const seen = await waitForCount(() => fresh.console.text, masterLine(instance), 1, bound);
          windows.push({ name: `${m.hostname} back on the new build preempts`, t0, seen });
        }
        return fresh;
      };
      idleGuest = await moveOnto(idle, idleGuest, holder);
      if (windows.length === 0) {
        // Fail over by hand once the new build's checks have filled its table: a clean stop on the holder.
        await waitForTable(idleGuest, roll.healthyTable, 60);
        const before = count(idleGuest.console.text, masterLine(instance));
        const t0 = Date.now();
        await holderGuest.console.run(STOP_KEEPALIVED, 60_000);
        const fresh = idleGuest;
        const seen = await waitForCount(
          () => fresh.console.text,
          masterLine(instance),
          before + 1,
          (idle.skewS + 30) * 1000,
        );
        windows.push({ name: `failover to ${idle.hostname}`, t0, seen });
      }
      [holder, holderGuest, idle, idleGuest] = [idle, idleGuest, holder, holderGuest];
      const taken = windows.length;
      idleGuest = await moveOnto(idle, idleGuest, holder);
      if (windows.length > taken)
        [holder, holderGuest, idle, idleGuest] = [idle, idleGuest, holder, holderGuest];
      const tables = await Promise.all(
        [holderGuest, idleGuest].map((g) => waitForTable(g, roll.healthyTable, 60)),
      );
      await sleep(2000);
      const samples = await loop.stop();
      const owners = await arpOwners(o);
      const figures = windows.map((w) => ({ ...w, ...lossAround(samples, w.t0, w.seen) }));
      const inside = (s: Sample): boolean =>
        figures.some((w) => s.at >= w.t0 && w.recoveredS !== null && s.at < w.t0 + w.recoveredS * 1000);
      const outside = samples.filter((s) => s.body === undefined && !inside(s)).length;
      const arp = arpCheck('', owners, holder);
      const ok =
        figures.every((w) => w.seen !== undefined && w.recoveredS !== null) &&
        outside === 0 &&
        tables.every((t) => t !== undefined) &&
        arp.ok;
      checks.push({
        name: `rolling change (${roll.label}): ${current[0].hostname}, then ${other[0].hostname}, onto the new build`,
        ok,
        tally: none,
        detail:
          `${figures
            .map(
              (w) =>
                `${w.name}: ${w.seen === undefined ? 'no MASTER' : `MASTER after ${((w.seen - w.t0) / 1000).toFixed(2)} s`}, ${w.during} failed until answered again${w.recoveredS !== null ? ` (${w.recoveredS.toFixed(2)} s)` : ' (never)'}`,
            )
            .join('; ')}; ` +
          `${outside} of ${samples.length} requests failed outside the takeover windows; ` +
          `${tables.every((t) => t !== undefined) ? 'both tables the new spec' : `tables: ${tables.map((t, i) => `${[holder, idle][i]?.hostname ?? '?'} ${t !== undefined ? 'the new spec' : 'NOT the new spec'}`).join(', ')}`}; ${arp.detail}`,
      });
    }
    return {
      ok: checks.every((c) => c.ok),
      checks,
      consoleLog: path.join(o.workDir, `${master.hostname}-console-1.log`),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}
