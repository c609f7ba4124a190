/**
 * `lvs-image diff A B`: the semantic difference between two specs, releases or published folders (src/diff/),
 * and whether a running director takes it with a reload or needs a reboot. Exit 0 when equal, 1 when different
 * (like diff(1)), 2 for bad operands.
 */
import type { Command } from 'commander';
import { diffSites } from '../diff/compare.js';
import { formatSiteDiff } from '../diff/format.js';
import { loadDiffSide } from '../diff/load.js';
import { DEFAULT_OUT_DIR } from '../layout.js';
import { printJson } from '../lib/output.js';

/** Registers `diff`. */
export function register(program: Command): void {
  program
    .command('diff')
    .description(
      'compare two specs, releases or published folders: kernel options, versions, IPVS table (as ipvsadm commands), netfilter, sysctls, interfaces, VIPs, root files; says reboot or reload',
    )
    .argument('<a>', 'spec file, published folder, site name (current release; SITE.previous) or release id')
    .argument('<b>', 'the same kinds as A')
    .option('--out <dir>', 'output folder site names and release ids are looked up in', DEFAULT_OUT_DIR)
    .action(async (a: string, b: string, opts: { out: string }, cmd: Command) => {
      const [left, right] = [await loadDiffSide(a, opts.out), await loadDiffSide(b, opts.out)];
      const diff = diffSites(left, right);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) printJson({ ok: true, ...diff });
      else process.stdout.write(formatSiteDiff(diff));
      process.exitCode = diff.equal ? 0 : 1;
    });
}
