/**
 * access.metrics of a pair, as the operator's monitoring sees it: each living member's `lvs_vip_held`, scraped from
 * the ops host. The holder must say 1 for every floating address, every other member 0.
 */
import type { FollowUpCheck } from './follow-up.js';
import { parseVipHeld, scrapeMetrics } from './metrics.js';
import { verdict } from './types.js';

export const VIP_HELD: FollowUpCheck = async (ctx, f) => {
  const { plan } = ctx;
  const ns = plan.ops?.host.ns ?? '';
  const floating = plan.pair?.floating ?? [];
  const problems: string[] = [];
  const seen: string[] = [];
  for (const m of plan.members.filter((x) => f.living.includes(x.hostname))) {
    const url = m.metricsUrl ?? '';
    const r = await scrapeMetrics(ns, url);
    if (r.status !== '200') {
      problems.push(`${m.hostname}: HTTP ${r.status} from ${url}`);
      continue;
    }
    const held = parseVipHeld(r.body);
    const want = m.hostname === f.holder ? 1 : 0;
    const said = (a: string): string => `${a} ${held[a] ?? 'absent'}`;
    seen.push(`${m.hostname}: ${floating.map(said).join(', ')}`);
    const wrong = floating.filter((a) => held[a] !== want);
    if (wrong.length > 0)
      problems.push(`${m.hostname} says ${wrong.map(said).join(', ')} (expected ${want})`);
  }
  return verdict(
    f.label,
    problems.length === 0,
    problems.length === 0 ? `lvs_vip_held: ${seen.join('; ')}` : problems.join('; '),
  );
};
