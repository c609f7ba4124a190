/**
 * `lvs-image releases SITE` lists the releases a site keeps; `lvs-image rollback SITE [--to ID]` makes another one
 * current (src/releases.ts). SITE is the site's name or its spec file.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DEFAULT_OUT_DIR } from '../layout.js';
import { printJson } from '../lib/output.js';
import { listReleases, rollback, type ReleaseInfo } from '../releases.js';
import { loadSpec } from '../spec/load.js';

/** The site name of SITE: a spec file's `name`, or SITE itself. */
async function siteName(site: string): Promise<string> {
  return /\.(ya?ml|json)$/.test(site) && existsSync(site) ? (await loadSpec(site)).spec.name : site;
}

function versions(r: ReleaseInfo): string {
  const d = r.directors;
  const one = (f: (x: ReleaseInfo['directors'][number]) => string | null): string =>
    [...new Set(d.map(f).filter((v): v is string => v !== null))].join(',') || '-';
  return `kernel ${one((x) => x.kernel)}, ipvsadm ${one((x) => x.ipvsadm)}, keepalived ${one((x) => x.keepalived)}`;
}

function hashes(r: ReleaseInfo): string {
  const one = (f: (x: ReleaseInfo['directors'][number]) => string): string =>
    [...new Set(r.directors.map(f))].map((h) => h.slice(0, 12)).join(',') || '-';
  return `spec ${one((x) => x.specSha256)}, lock ${one((x) => x.lockSha256)}`;
}

/** Registers `releases` and `rollback`. */
export function register(program: Command): void {
  program
    .command('releases')
    .description(
      'list the releases a site keeps (newest first): id, publish time, versions, spec and lock hashes',
    )
    .argument('<site>', 'site name, or its spec file')
    .option('--out <dir>', 'output folder the site is published in', DEFAULT_OUT_DIR)
    .action(async (site: string, opts: { out: string }, cmd: Command) => {
      const name = await siteName(site);
      const releases = await listReleases(opts.out, name);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        printJson({ ok: true, site: name, releases });
        return;
      }
      if (releases.length === 0) {
        process.stdout.write(`${name}: no release under ${opts.out}/.releases (build it first)\n`);
        return;
      }
      for (const r of releases) {
        const mark = r.current ? 'current ' : r.previous ? 'previous' : '        ';
        process.stdout.write(
          `${mark} ${r.id}  ${r.published}  ${r.directors.map((d) => d.hostname).join(',')}  ${versions(r)}  ${hashes(r)}\n`,
        );
      }
    });
  program
    .command('rollback')
    .description(
      'make the previous release (or --to ID) current again, atomically, after checking it against its SHA256SUMS',
    )
    .argument('<site>', 'site name, or its spec file')
    .option('--to <id>', 'release id (or a unique prefix) from `lvs-image releases`')
    .option('--out <dir>', 'output folder the site is published in', DEFAULT_OUT_DIR)
    .action(async (site: string, opts: { out: string; to?: string }, cmd: Command) => {
      const r = await rollback(opts.out, await siteName(site), opts.to);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) printJson({ ok: true, ...r });
      else
        process.stdout.write(
          `${r.site}: ${r.to} is current${r.from !== undefined ? ` (was ${r.from}, now the previous release)` : ''}\n`,
        );
    });
}
