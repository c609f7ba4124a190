/**
 * The lab client's side of the traffic: one HTTP request to the target VIP, a series of them, a background loop of
 * them with their start times; and, on a director's console, waiting for its IPVS table to read a given way.
 */
import { normalizeRules } from '../boot-test/parse.js';
import { runInNetns } from '../lib/netns.js';
import type { Guest } from '../lib/qemu.js';
import type { LabOptions } from './index.js';

/** One request of a background loop: when it started and what came back (undefined: it failed). */
export interface Sample {
  at: number;
  body: string | undefined;
}

/** One GET of the target from the client namespace (2 s bound, HTTP errors count as failures). */
export async function request(o: Pick<LabOptions, 'plan'>): Promise<string | undefined> {
  const { vip, port, host } = o.plan.target;
  const args = ['-s', '-f', '--max-time', '2', ...(host !== undefined ? ['-H', `Host: ${host}`] : [])];
  const r = await runInNetns(o.plan.client.ns, 'curl', [...args, `http://${vip}:${port}/`], {
    reject: false,
    timeoutMs: 10_000,
  });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** `n` requests one after another. */
export async function ask(o: Pick<LabOptions, 'plan'>, n: number): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) out.push(await request(o));
  return out;
}

/** Runs requests one after another until `stop()` is called; returns them with their start times. */
export function requestLoop(o: Pick<LabOptions, 'plan'>): { stop: () => Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      samples.push({ at, body: await request(o) });
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Polls `ipvsadm -Sn` on the director until it equals `want` or `boundS` passes; the time it matched, or undefined. */
export async function waitForTable(guest: Guest, want: string, boundS: number): Promise<number | undefined> {
  const until = Date.now() + boundS * 1000;
  const target = normalizeRules(want);
  while (Date.now() < until) {
    const out = (await guest.console.run('ipvsadm -Sn', 60_000)).output;
    if (normalizeRules(out) === target) return Date.now();
  }
  return undefined;
}
