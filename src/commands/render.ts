/** `lvs-image render SPEC --out DIR`: writes every director root file and real-server companion bundle. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { formatProblem, SpecError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';
import { renderSite } from '../stages/render.js';
import { writeTree } from '../lib/write-tree.js';

interface RenderOptions {
  out: string;
  templates?: string;
  json?: boolean;
}

async function checkTemplatesDir(dir: string): Promise<void> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new SpecError({
      message: `--templates ${dir}: not a folder`,
      hint: 'point --templates at a folder laid out like templates/ (e.g. DIR/director/etc/sysctl.conf.hbs)',
    });
  }
}

/** Adds the `render` command. */
export function register(program: Command): void {
  program
    .command('render')
    .description(
      'render the files of every director (DIR/<hostname>/rootfs/...) and real server (DIR/realservers/<name>/...)',
    )
    .argument('<spec>', 'spec file (YAML or JSON)')
    .requiredOption(
      '--out <dir>',
      'output folder; existing entries for the same hosts are replaced atomically',
    )
    .option(
      '--templates <dir>',
      'folder of templates that override the shipped ones with the same relative path',
    )
    .action(async (specFile: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RenderOptions>();
      if (opts.templates !== undefined) await checkTemplatesDir(opts.templates);
      const loaded = await loadSpec(specFile);
      const files = renderSite(loaded.spec, opts.templates);
      await writeTree(files, opts.out);
      if (opts.json === true) {
        printJson({
          ok: true,
          out: opts.out,
          warnings: loaded.warnings,
          files: files.map((f) => ({
            path: f.relPath,
            mode: `0${f.mode.toString(8)}`,
            bytes: Buffer.byteLength(f.content),
            sha256: sha256(f.content),
          })),
        });
        return;
      }
      for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
      for (const f of files) process.stdout.write(`${path.join(opts.out, f.relPath)}\n`);
      const hosts = loaded.spec.directors.length;
      process.stdout.write(
        `rendered ${files.length} files for ${hosts} director${hosts === 1 ? '' : 's'} and ${loaded.spec.realServers.length} real servers into ${opts.out}\n`,
      );
    });
}
