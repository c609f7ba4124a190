/** Who answered the lab client, and the checks over those answers. Pure. */
import type { LabRealServer } from './plan/types.js';

/** Answers per real server name, plus answers nobody owns and requests that failed. */
export interface Tally {
  byServer: Record<string, number>;
  unknown: number;
  failed: number;
}

/** One lab check and its verdict. */
export interface LabCheck {
  name: string;
  ok: boolean;
  tally: Tally;
  detail: string;
  /** A measured time against its configured bound (health-check detection and recovery). */
  figure?: { seconds: number; boundS: number };
}

/** Counts the response bodies (undefined = the request failed) by the real server whose lab body they are. */
export function tallyAnswers(
  bodies: readonly (string | undefined)[],
  servers: readonly LabRealServer[],
): Tally {
  const tally: Tally = {
    byServer: Object.fromEntries(servers.map((s) => [s.name, 0])),
    unknown: 0,
    failed: 0,
  };
  for (const body of bodies) {
    if (body === undefined) tally.failed++;
    else {
      const owner = servers.find((s) => s.body.trim() === body.trim());
      if (owner === undefined) tally.unknown++;
      else tally.byServer[owner.name] = (tally.byServer[owner.name] ?? 0) + 1;
    }
  }
  return tally;
}

function describe(t: Tally): string {
  const parts = Object.entries(t.byServer).map(([name, n]) => `${name} ${n}`);
  if (t.unknown > 0) parts.push(`unknown ${t.unknown}`);
  if (t.failed > 0) parts.push(`failed ${t.failed}`);
  return parts.join(', ');
}

/** A check over `tally`: every request got a known answer, and none of the servers `wrong` picks is among them. */
function answersCheck(
  name: string,
  tally: Tally,
  wrong: (server: string, n: number) => boolean,
  what: string,
): LabCheck {
  const bad = Object.entries(tally.byServer)
    .filter(([s, n]) => wrong(s, n))
    .map(([s]) => s);
  const ok = bad.length === 0 && tally.unknown === 0 && tally.failed === 0;
  return {
    name,
    ok,
    tally,
    detail: describe(tally) + (bad.length > 0 ? `; ${what}: ${bad.join(', ')}` : ''),
  };
}

/** Every real server answered at least once and every request got a known answer. */
export function checkAllAnswer(name: string, tally: Tally): LabCheck {
  return answersCheck(name, tally, (_, n) => n === 0, 'never answered');
}

/** Every request was answered, and only by `allowed`. */
export function checkOnly(name: string, tally: Tally, allowed: readonly string[]): LabCheck {
  return answersCheck(name, tally, (s, n) => n > 0 && !allowed.includes(s), 'unexpected');
}

/** The checks as a table: check, result, who answered. */
export function formatLabTable(checks: readonly LabCheck[]): string {
  const width = Math.max(5, ...checks.map((c) => c.name.length));
  const rows = checks.map((c) => `${c.name.padEnd(width)}  ${(c.ok ? 'ok' : 'FAIL').padEnd(6)}  ${c.detail}`);
  return [`${'check'.padEnd(width)}  result  answers`, ...rows].join('\n') + '\n';
}
