/**
 * The lab client's side of the traffic, from the client namespace: one HTTP request to the target VIP (an HTTP
 * error counts as a failure, as a timeout does), a series of them, a background loop of them with their start
 * times, and a long-lived stream.
 */
import { runInNetns } from '../lib/netns.js';
import type { LabPlan } from './plan/types.js';

/** One request of a background loop: when it started and what came back (undefined: it failed). */
export interface Sample {
  at: number;
  body: string | undefined;
}

type Target = Pick<LabPlan, 'target' | 'client'>;

/** The loop's bound per request: short, so a takeover's loss is counted in requests of about this length. */
export const LOOP_REQUEST_S = 2;
/** A check's bound per request. */
export const CHECK_REQUEST_S = 5;

/** One GET of the target: the body, or undefined for a failure (no answer in `maxTimeS`, or an HTTP error). */
export async function request(plan: Target, maxTimeS: number = CHECK_REQUEST_S): Promise<string | undefined> {
  const { vip, port, host } = plan.target;
  const args = [
    '-s',
    '-f',
    '--max-time',
    String(maxTimeS),
    ...(host !== undefined ? ['-H', `Host: ${host}`] : []),
  ];
  const r = await runInNetns(plan.client.ns, 'curl', [...args, `http://${vip}:${port}/`], {
    reject: false,
    timeoutMs: (maxTimeS + 8) * 1000,
  });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** `n` requests one after another. */
export async function ask(plan: Target, n: number): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) out.push(await request(plan));
  return out;
}

/** A running request loop. */
export interface RequestLoop {
  /** Stops it after the request in flight; its samples. */
  stop(): Promise<Sample[]>;
}

/** Runs `send` one after another until stopped; returns each with its start time. */
export function requestLoop(send: () => Promise<string | undefined>): RequestLoop {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      samples.push({ at, body: await send() });
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

/** What a stream brought: curl's exit status, the lines, how many chunks were asked for. */
export interface StreamResult {
  exit: number;
  lines: string[];
  chunks: number;
}

/** A long-lived GET of /stream?chunks=N through the VIP from fixed source port `localPort`. */
export async function openStream(plan: Target, chunks: number, localPort: number): Promise<StreamResult> {
  const { vip, port } = plan.target;
  const r = await runInNetns(
    plan.client.ns,
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
  );
  return { exit: r.exitCode ?? -1, lines: r.stdout.split('\n').filter((l) => l !== ''), chunks };
}

/** The stream's verdict: curl ended without error and every chunk came, in order, from one real server. Pure. */
export function streamVerdict(s: StreamResult): { ok: boolean; detail: string } {
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
