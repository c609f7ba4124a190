/** What `lvs-image build` reports when it is done: paths, hashes, versions and per-step timings. */
import path from 'node:path';
import type { BuildContext } from './build-context.js';
import { formatIpvsVersion } from './context.js';
import { firmwareWarnings } from './stages/firmware/record.js';

/** The `--json` result of a build (and the plain lines printed without `--json`). */
export interface BuildSummary {
  ok: true;
  dryRun: boolean;
  site: string | undefined;
  published: { link: string; release: string; previous: string | null; contentHash: string } | null;
  directors: { hostname: string; files: Record<string, { path: string; sha256: string | null }> }[];
  kernel: { release: string; ipvsVersion: string } | null;
  ipvsadm: { version: string; versionLine: string } | null;
  /** Milliseconds per step, and the total. */
  timings: Record<string, number>;
  warnings: string[];
  /** Human-readable lines (not part of the JSON contract). */
  lines: string[];
}

/** Summarizes a finished build context; pure. */
export function summarizeBuild(ctx: BuildContext): BuildSummary {
  const plan = ctx.plan;
  const pub = ctx.published;
  const total = Object.values(ctx.timings).reduce((a, b) => a + b, 0);
  const directors = (plan?.directors ?? []).map((d) => ({
    hostname: d.hostname,
    files:
      pub !== undefined
        ? Object.fromEntries(
            Object.entries(d.outputs).map(([k, rel]) => [
              k,
              { path: path.join(pub.siteLink, rel), sha256: ctx.sha256?.[rel] ?? null },
            ]),
          )
        : {},
  }));
  const lines: string[] = [];
  if (ctx.options.dryRun)
    lines.push(
      `dry run: ${plan?.directors.length ?? 0} director(s) planned, preflight passed; nothing written`,
    );
  if (pub !== undefined) {
    lines.push(
      `published ${pub.siteLink} -> ${path.basename(pub.release)}${pub.previous !== undefined ? ` (previous: ${path.basename(pub.previous)})` : ''}`,
    );
    for (const d of directors)
      lines.push(
        `  ${d.hostname}: ${Object.values(d.files)
          .map((f) => f.path)
          .join(' ')}`,
      );
  }
  if (ctx.kernel !== undefined)
    lines.push(`kernel ${ctx.kernel.release} (IPVS ${formatIpvsVersion(ctx.kernel.ipvsVersionCode)})`);
  if (ctx.ipvsadm !== undefined) lines.push(ctx.ipvsadm.versionLine);
  // The firmware's warnings (NICs without their firmware, files left out) once per line, after the run.
  const firmware = [
    ...new Set(Object.entries(ctx.firmware ?? {}).flatMap(([host, f]) => firmwareWarnings(host, f.manifest))),
  ];
  for (const w of firmware) lines.push(`warning: ${w}`);
  lines.push(`done in ${(total / 1000).toFixed(1)} s`);
  return {
    ok: true,
    dryRun: ctx.options.dryRun,
    site: plan?.site,
    published:
      pub !== undefined
        ? {
            link: pub.siteLink,
            release: pub.release,
            previous: pub.previous ?? null,
            contentHash: pub.contentHash,
          }
        : null,
    directors,
    kernel:
      ctx.kernel !== undefined
        ? { release: ctx.kernel.release, ipvsVersion: formatIpvsVersion(ctx.kernel.ipvsVersionCode) }
        : null,
    ipvsadm:
      ctx.ipvsadm !== undefined
        ? { version: ctx.ipvsadm.version, versionLine: ctx.ipvsadm.versionLine }
        : null,
    timings: { ...ctx.timings, total },
    warnings: [...(ctx.loaded?.warnings ?? []).map((w) => `${w.pointer ?? ''}: ${w.message}`), ...firmware],
    lines,
  };
}
