/**
 * The rule between a pair's connection sync and its VRRP timers: a member that boots while its peer is master must
 * learn the peer's open connections before it preempts, or those connections break at the takeover. Pure.
 */
import { DEFAULTS } from '../defaults.js';
import { problemAt, type Rule } from '../rule.js';
import { SYNC_SEND_DELAY_S, pairPriority, vrrpTimers } from '../vrrp.js';
import { eachPair } from './pairs.js';

/**
 * keepalived starts the sync daemon (as backup) at once; VRRP waits `startupDelay`, and a lower-priority master's
 * adverts hold the takeover off until `preemptDelay` after the start (the last advert before it can come one
 * interval earlier); then the master-down interval runs out. So a returning member that outranks a peer takes over
 * no sooner than max(startupDelay, preemptDelay - advert) + master-down after its sync daemon started, and that must
 * hold one resync period plus the sync send delay. Measured in the lab (lv1 returning at startupDelay 1: MASTER
 * 4.3 s after its ready line): with the kernel's packet count (every 50 client packets) a stream through lv2 broke
 * in 2 runs of 3; with refreshPeriod 1 it survived 3 of 3.
 */
export const syncBeforeTakeover: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, at, members }) => {
    if (pair.connectionSync === undefined || pair.preempt === false) return [];
    const refreshS = pair.connectionSync.refreshPeriod ?? DEFAULTS.syncRefreshPeriod;
    if (refreshS === 0) return [];
    const lowest = Math.min(...members.map(([d]) => pairPriority(pair, d.hostname)));
    const need = refreshS + SYNC_SEND_DELAY_S;
    const preemptS = pair.preemptDelay ?? 0;
    const short = members
      .map(([d]) => ({ d, t: vrrpTimers(pair, d.hostname) }))
      .filter(({ t }) => t.priority > lowest)
      .map(({ d, t }) => ({ d, t, window: Math.max(t.startupS, preemptS - t.advertS) + t.masterDownS }))
      .filter(({ window }) => window < need)
      .sort((a, b) => a.window - b.window)[0];
    if (short === undefined) return [];
    const { d, t, window } = short;
    return [
      problemAt(
        `${at}/${pair.preemptDelay !== undefined ? 'preemptDelay' : 'connectionSync'}`,
        `${d.hostname} returning can preempt ${window.toFixed(2)} s after its sync daemon starts (startupDelay ` +
          `${t.startupS} s or preemptDelay ${preemptS} s - advert ${t.advertS} s, + master-down ` +
          `${t.masterDownS.toFixed(2)} s), before the master's open connections can have reached it (up to ` +
          `${need} s: refreshPeriod ${refreshS} s + ${SYNC_SEND_DELAY_S} s for the sync daemon to send); those ` +
          `connections would break at the takeover`,
        `set preemptDelay: ${Math.ceil(need - t.masterDownS + t.advertS)} (or more) on pair ${pair.name}, or a shorter refreshPeriod`,
      ),
    ];
  });
