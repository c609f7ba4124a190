/**
 * The health-check figures of one `lvs-image lab SPEC --json` run: for each phase (checks named `(b)`, `(c)`,
 * `(d)`), the measured seconds against the configured bound and the failed requests its detail reports. Pure.
 */

/** One phase of one lab run. */
export interface PhaseFigure {
  name: string;
  ok: boolean;
  seconds: number | undefined;
  boundS: number | undefined;
  /** From the detail's `failed requests: N of M during, K after`; undefined when the detail has no such part. */
  failedDuring: number | undefined;
  requestsDuring: number | undefined;
  failedAfter: number | undefined;
  detail: string;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  figure?: { seconds: number; boundS: number };
}

const PHASE = /^\([bcd]\) /;
const FAILED = /failed requests: (\d+) of (\d+) during, (\d+) after/;
const SECONDS = /^([\d.]+) s \(bound/;
const BOUND = /\(bound ([\d.]+) s/;

function toFigure(c: Check): PhaseFigure {
  const f = FAILED.exec(c.detail);
  const t = SECONDS.exec(c.detail);
  const b = BOUND.exec(c.detail);
  return {
    name: c.name,
    ok: c.ok,
    seconds: c.figure?.seconds ?? (t ? Number(t[1]) : undefined),
    boundS: c.figure?.boundS ?? (b ? Number(b[1]) : undefined),
    failedDuring: f ? Number(f[1]) : undefined,
    requestsDuring: f ? Number(f[2]) : undefined,
    failedAfter: f ? Number(f[3]) : undefined,
    detail: c.detail,
  };
}

/**
 * The phases of a lab run from its `--json` stdout. A passing run prints `{ok, results:[{result:{checks}}]}`;
 * a failing one prints `{ok:false, problems:[{message}]}` whose message carries the check table (name, ok or
 * FAIL, detail on one line each), which is read instead so that a late phase still gives its figure.
 */
export function parseLabFigures(stdout: string): { ok: boolean; phases: PhaseFigure[]; problem?: string } {
  const json = JSON.parse(stdout) as {
    ok: boolean;
    results?: { hostname: string; result: { checks: Check[] } }[];
    problems?: { message: string }[];
  };
  if (json.results !== undefined) {
    const checks = json.results.flatMap((r) => r.result.checks);
    return { ok: json.ok, phases: checks.filter((c) => PHASE.test(c.name)).map(toFigure) };
  }
  const message = (json.problems ?? []).map((p) => p.message).join('\n');
  const phases: PhaseFigure[] = [];
  for (const line of message.split('\n')) {
    const m = /^\s*(\([bcd]\) .+?)\s{2,}(ok|FAIL)\s+(.*)$/.exec(line);
    if (m) phases.push(toFigure({ name: m[1]!, ok: m[2] === 'ok', detail: m[3]! }));
  }
  return { ok: false, phases, problem: message };
}

/** Median of a non-empty list (the upper middle for an even count, as the other benches take it). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
