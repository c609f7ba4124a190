/** `lvs-image validate SPEC`: runs every spec gate and reports all problems at once (exit 2), writing nothing. */
import type { Command } from 'commander';
import { formatProblem, type Problem } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { loadSpec, type LoadedSpec } from '../spec/load.js';

/** Counts for the one-line summary: directors, services, real servers. */
export function summarizeSpec(loaded: LoadedSpec): {
  directors: number;
  services: number;
  realServers: number;
} {
  const { spec } = loaded;
  return {
    directors: spec.directors.length,
    services: spec.directors.reduce((n, d) => n + d.services.length, 0),
    realServers: spec.realServers.length,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `file:line:col: /pointer: warning: message` plus its hint. */
export function formatWarning(p: Problem): string {
  return formatProblem({ ...p, message: `warning: ${p.message}` });
}

/** Registers `validate`. */
export function register(program: Command): void {
  program
    .command('validate')
    .description(
      'check a spec (parse, schema, cross-field rules) and list every problem; exit status 2 when invalid',
    )
    .argument('<spec>', 'spec file (YAML or JSON)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const loaded = await loadSpec(file);
      const counts = summarizeSpec(loaded);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        printJson({ ok: true, file, sha256: loaded.sha256, ...counts, warnings: loaded.warnings });
        return;
      }
      for (const w of loaded.warnings) process.stderr.write(formatWarning(w) + '\n');
      process.stdout.write(
        `${file}: ok (${plural(counts.directors, 'director')}, ${plural(counts.services, 'service')}, ${plural(counts.realServers, 'real server')})\n`,
      );
    });
}
