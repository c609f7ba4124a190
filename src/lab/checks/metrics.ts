/**
 * access.metrics, scraped from the ops host: after the client's requests, the per-server connection counts moved
 * by what the client saw; the endpoint refuses writes. Also the scrape and parsers the pair's checks use.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNetns } from '../../lib/netns.js';
import { ask } from '../client.js';
import { bareAddress } from '../plan/director-facts.js';
import { tallyAnswers } from '../tally.js';
import { accessCheck, verdict } from './types.js';

/** `lvs_realserver_connections_total` per real server address, from a scrape. Pure. */
export function parseConnections(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^lvs_realserver_connections_total\{[^}]*realserver="([^"]+)"\} (\d+)$/gm))
    out[m[1] ?? ''] = (out[m[1] ?? ''] ?? 0) + Number(m[2]);
  return out;
}

/** `lvs_vip_held` per floating address, from a scrape. Pure. */
export function parseVipHeld(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^lvs_vip_held\{address="([^"]+)"[^}]*\} (\d+)$/gm))
    out[m[1] ?? ''] = Number(m[2]);
  return out;
}

/** One HTTP request to `url` with curl from namespace `ns`: the status code and the body. */
export async function scrapeMetrics(
  ns: string,
  url: string,
  method = 'GET',
): Promise<{ status: string; body: string }> {
  const r = await runInNetns(
    ns,
    'curl',
    ['-s', '-X', method, '--max-time', '10', '-w', '\n%{http_code}', url],
    {
      reject: false,
      timeoutMs: 20_000,
    },
  );
  const cut = r.stdout.lastIndexOf('\n');
  return { status: r.stdout.slice(cut + 1), body: r.stdout.slice(0, cut) };
}

/**
 * A scrape once the counters have settled: the kernel folds its per-CPU IPVS counters into what ipvsadm reads only
 * on its estimator's 2 s tick (ip_vs_est.c), so the lab scrapes until two scrapes 2.5 s apart agree (bounded: 5).
 */
async function settledScrape(ns: string, url: string): Promise<{ status: string; body: string }> {
  let last = await scrapeMetrics(ns, url);
  for (let i = 0; i < 5 && last.status === '200'; i++) {
    await sleep(2500);
    const next = await scrapeMetrics(ns, url);
    if (next.status !== '200') return next;
    const same = JSON.stringify(parseConnections(next.body)) === JSON.stringify(parseConnections(last.body));
    last = next;
    if (same) break;
  }
  return last;
}

export const METRICS = accessCheck('metrics', 'metrics', async (ctx, metrics, ops) => {
  const url = metrics.url;
  const before = await settledScrape(ops.host.ns, url);
  if (before.status !== '200')
    return [verdict(`metrics at ${url}`, false, `HTTP ${before.status}: ${before.body.slice(0, 200)}`)];
  const tally = tallyAnswers(await ask(ctx.plan, ctx.requests), ctx.plan.realServers);
  const after = await settledScrape(ops.host.ns, url);
  await writeFile(path.join(ctx.workDir, 'metrics-before.txt'), before.body);
  await writeFile(path.join(ctx.workDir, 'metrics-after.txt'), after.body);
  const [a, b] = [parseConnections(before.body), parseConnections(after.body)];
  const problems: string[] = [];
  const seen: string[] = [];
  for (const rs of ctx.plan.realServers) {
    const key = Object.keys(b).find((k) => k.startsWith(`${bareAddress(rs.cidr)}:`));
    const delta = key === undefined ? 0 : (b[key] ?? 0) - (a[key] ?? 0);
    const client = tally.byServer[rs.name] ?? 0;
    seen.push(`${rs.name} ${delta}/${client}`);
    if (delta !== client)
      problems.push(`${rs.name}: metrics count ${delta} new connections, the client got ${client} answers`);
  }
  if (tally.failed > 0 || tally.unknown > 0)
    problems.push(`${tally.failed} failed, ${tally.unknown} unknown answers`);
  const writes = await Promise.all(['POST', 'PUT', 'DELETE'].map((m) => scrapeMetrics(ops.host.ns, url, m)));
  const writable = writes.filter((w) => w.status !== '405').map((w) => w.status);
  return [
    verdict(
      `metrics: ${ctx.requests} requests, per-server connection counts match the client`,
      problems.length === 0,
      problems.length === 0
        ? `metrics/client per server: ${seen.join(', ')}`
        : `${problems.join('; ')} (scrapes: ${path.join(ctx.workDir, 'metrics-{before,after}.txt')})`,
      tally,
    ),
    verdict(
      'metrics endpoint is read-only (POST, PUT, DELETE)',
      writable.length === 0,
      writable.length === 0 ? 'each answered 405' : `answered HTTP ${writable.join(', ')}`,
    ),
  ];
});
