/**
 * VRRP facts of a pair member, from the spec alone: its priority and the timers RFC 5798 derives from it, and how
 * long after keepalived starts its first health checks can have put a real server in the table. Pure.
 */
import { effectiveCheck } from './health-check.js';
import type { Director, DirectorPair } from './types.js';

/** The default priority of the member at position `i`: 150, 100, 50, 49, ... */
export function defaultPriority(i: number): number {
  return i === 0 ? 150 : i === 1 ? 100 : Math.max(1, 51 - i);
}

/** A member's priority: the pair's `priorities`, else the default of its position. */
export function pairPriority(pair: DirectorPair, hostname: string): number {
  return pair.priorities?.[hostname] ?? defaultPriority(pair.directors.indexOf(hostname));
}

/** A member's VRRP timers in seconds. */
export interface VrrpTimers {
  priority: number;
  advertS: number;
  /** Skew time, (256 - priority) x advert / 256: the wait after a master's priority-0 advert (clean stop). */
  skewS: number;
  /** 3 x advert + skew: how long a backup waits for a master before it takes over. */
  masterDownS: number;
  /** keepalived's wait before VRRP runs at all (`startupDelay`). */
  startupS: number;
}

export function vrrpTimers(pair: DirectorPair, hostname: string): VrrpTimers {
  const advertS = pair.advertInterval ?? 1;
  const priority = pairPriority(pair, hostname);
  const skewS = ((256 - priority) * advertS) / 256;
  return { priority, advertS, skewS, masterDownS: 3 * advertS + skewS, startupS: pair.startupDelay ?? 0 };
}

/** keepalived starts its checkers 1 s after start-up (BOOTSTRAP_DELAY), plus a random warm-up up to the interval. */
const CHECKER_BOOTSTRAP_S = 1;

/**
 * The longest time from keepalived's start to every checked real server being in the table: checks start after the
 * bootstrap delay and a warm-up of up to one interval, and the first success puts a server in (it starts out,
 * `alpha`), after at most the timeout. Undefined when the director has no checks.
 */
export function firstChecksBound(director: Director): number | undefined {
  const waits = director.services.flatMap((s) =>
    s.realServers.flatMap((m) => {
      const c = effectiveCheck(s, m);
      return c === null || c.type === 'none' ? [] : [c.interval + c.timeout];
    }),
  );
  return waits.length > 0 ? CHECKER_BOOTSTRAP_S + Math.max(...waits) : undefined;
}

/**
 * The IPVS sync daemon's longest delay from a connection's resync to the backup: a part-full buffer leaves the
 * master once older than 2 s (IPVS_SYNC_FLUSH_TIME), which its thread checks every 1 s (IPVS_SYNC_CHECK_PERIOD;
 * ip_vs_sync.c, networks.md §5).
 */
export const SYNC_SEND_DELAY_S = 3;
