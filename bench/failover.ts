/**
 * Issue 13 (director pairs), takeover figures from one run: `lvs-image lab SPEC --json` on images/dsas-ha.yaml
 * (VRRPv2, advert 1 s) and on a copy of it with `advertInterval: 0.1` (VRRPv3; `startupDelay` 4 instead of 1 so a
 * booting member still waits for its first health checks, and `preemptDelay: 3` so the sync daemon has time to copy
 * open connections to it before it takes them over), N runs each, interleaved so that
 * load hits both alike. Per change (hard kill of the master's QEMU, its return with preempt, clean stop of
 * keepalived on the master): the median time to the new master's `Entering MASTER STATE` against the VRRP bound
 * (master-down interval 3 x advert + skew, or the skew alone after a priority-0 advert), the requests that failed
 * before the client was answered again and after it (goal: none after), and the streams that survived (goal: all).
 * Goal for the 0.1 s setting: takeover <= 1 s.
 *
 *   node --import tsx bench/failover.ts [--runs 5]      (root; builds both specs first, the kernel is shared)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './_lab-figures.js';

const argv = process.argv.slice(2);
const runsFlag = argv.indexOf('--runs');
const RUNS = Math.min(Math.max(Number(runsFlag >= 0 ? argv[runsFlag + 1] : 5) || 5, 1), 20);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB_TIMEOUT_MS = 30 * 60_000;
const out = (s: string): boolean => process.stdout.write(`${s}\n`);

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  figure?: { seconds: number; boundS: number };
}

function cli(args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli.ts'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The two settings: the shipped spec, and the same pair with sub-second adverts (VRRPv3), built to its own out/. */
const work = mkdtempSync(path.join(tmpdir(), 'lvs-bench-failover-'));
const v3 = path.join(work, 'dsas-ha-v3.yaml');
writeFileSync(
  v3,
  readFileSync(path.join(REPO, 'images/dsas-ha.yaml'), 'utf8')
    .replace('advertInterval: 1', 'advertInterval: 0.1')
    // The master-down interval shrinks to 0.34 s: VRRP starts once the first checks can be done
    // (vrrpStartsAfterChecks), and the returning master waits 3 s more for the sync daemon.
    .replace('startupDelay: 1', 'startupDelay: 4\n    preemptDelay: 3'),
);
const SETTINGS = [
  {
    name: 'VRRPv2, advert 1 s',
    spec: path.join(REPO, 'images/dsas-ha.yaml'),
    outDir: path.join(REPO, 'out'),
  },
  { name: 'VRRPv3, advert 0.1 s', spec: v3, outDir: path.join(work, 'out') },
];
for (const s of SETTINGS) {
  const b = cli(['build', s.spec, '--out', s.outDir], LAB_TIMEOUT_MS);
  if (b.status !== 0) throw new Error(`build of ${s.spec} failed:\n${b.stderr}`);
}

const CHANGE = /^(hard failure|.* boots again|clean stop)/;
const figures = new Map<
  string,
  { seconds: number[]; boundS: number; before: number[]; after: number[]; streams: [number, number] }
>();
for (let run = 0; run < RUNS; run++) {
  for (const s of SETTINGS) {
    const r = cli(['--json', 'lab', s.spec, '--out', s.outDir], LAB_TIMEOUT_MS);
    const json = JSON.parse(r.stdout || '{}') as { results?: { result: { checks: Check[] } }[] };
    const checks = (json.results ?? []).flatMap((x) => x.result.checks);
    if (checks.length === 0)
      out(`run ${run + 1} ${s.name}: the lab failed: ${r.stderr.split('\n').slice(0, 20).join('\n')}`);
    for (const c of checks.filter((x) => CHANGE.test(x.name))) {
      const key = `${s.name} | ${CHANGE.exec(c.name)?.[1]?.replace(/^\S+ boots again/, 'return (preempt)')}`;
      const f = figures.get(key) ?? {
        seconds: [],
        boundS: c.figure?.boundS ?? NaN,
        before: [],
        after: [],
        streams: [0, 0],
      };
      if (c.figure !== undefined) f.seconds.push(c.figure.seconds);
      const m = /failed requests: (\d+) of \d+ during, (\d+) after/.exec(c.detail);
      if (m) {
        f.before.push(Number(m[1]));
        f.after.push(Number(m[2]));
      }
      f.streams = [f.streams[0] + (/ complete\b/.test(c.detail) ? 1 : 0), f.streams[1] + 1];
      figures.set(key, f);
    }
  }
}

out(
  `failover, ${RUNS} runs per setting, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
out('| setting | change | median | bound | each run (s) | failed before | failed after | streams complete |');
out('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [key, f] of figures) {
  const [setting, change] = key.split(' | ');
  const med = f.seconds.length > 0 ? `${median(f.seconds).toFixed(2)} s` : 'none';
  out(
    `| ${setting} | ${change} | ${med} | ${f.boundS.toFixed(2)} s | ${f.seconds.map((x) => x.toFixed(2)).join(' ')} | ${f.before.join(' ')} | ${f.after.join(' ')} | ${f.streams[0]}/${f.streams[1]} |`,
  );
}
