/**
 * The rule between a pair's connection sync and its VRRP timers: a member that boots while its peer is master must
 * learn the peer's open connections before it preempts, or those connections break at the takeover. Pure.
 */
import { DEFAULTS } from '../defaults.js';
import { problemAt, type Rule } from '../rule.js';
import { SYNC_SEND_DELAY_S, pairPriority, vrrpTimers } from '../vrrp.js';
import { eachPair } from './pairs.js';

/**
 * Under preempt, a returning member that outranks a peer takes over once it has heard no master of a higher
 * priority for its master-down interval, plus `preemptDelay`. Its sync daemon may start only with VRRP (after
 * `startupDelay`), so that window must hold one resync period plus the sync send delay. Measured in the lab: with the
 * kernel's packet count (every 50 client packets) a returning lv1 took over 4 s after its sync daemon started and a
 * stream through lv2 broke in 2 runs of 3.
 */
export const syncBeforeTakeover: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, at, members }) => {
    if (pair.connectionSync === undefined || pair.preempt === false) return [];
    const refreshS = pair.connectionSync.refreshPeriod ?? DEFAULTS.syncRefreshPeriod;
    if (refreshS === 0) return [];
    const lowest = Math.min(...members.map(([d]) => pairPriority(pair, d.hostname)));
    const need = refreshS + SYNC_SEND_DELAY_S;
    const short = members
      .map(([d]) => ({ d, timers: vrrpTimers(pair, d.hostname) }))
      .filter(({ timers }) => timers.priority > lowest)
      .map(({ d, timers }) => ({ d, window: timers.masterDownS + (pair.preemptDelay ?? 0) }))
      .filter(({ window }) => window < need)
      .sort((a, b) => a.window - b.window)[0];
    if (short === undefined) return [];
    const { d, window } = short;
    const delay = Math.ceil(need - window + (pair.preemptDelay ?? 0));
    return [
      problemAt(
        `${at}/${pair.preemptDelay !== undefined ? 'preemptDelay' : 'connectionSync'}`,
        `${d.hostname} returning can preempt ${window.toFixed(2)} s after its sync daemon starts (master-down ` +
          `${vrrpTimers(pair, d.hostname).masterDownS.toFixed(2)} s + preemptDelay ${pair.preemptDelay ?? 0} s), ` +
          `before the master's open connections can have reached it (up to ${need} s: refreshPeriod ${refreshS} s ` +
          `+ ${SYNC_SEND_DELAY_S} s for the sync daemon to send); those connections would break at the takeover`,
        `set preemptDelay: ${delay} (or more) on pair ${pair.name}`,
      ),
    ];
  });
