/** argv → command. The only module that calls process.exit; errors map to exit codes here. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import path from 'node:path';
import { COMMANDS } from './commands/index.js';
import { BuildError, InternalError, SpecError, exitCodeFor, formatProblem } from './lib/errors.js';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string; description: string };

/** Builds the commander program with every registered command. */
export function makeProgram(): Command {
  const program = new Command('lvs-image')
    .description(pkg.description)
    .version(pkg.version)
    .option('--json', 'print machine-readable JSON results')
    .option(
      '--sources <dir>',
      'the source store (default $LVS_IMAGE_SOURCES, else ~/.cache/lvs-image/sources); share it between machines or a team',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (cmd) => {
      // NOTE: the store's location reaches every stage through the environment, as the cache folder's does.
      const dir = cmd.opts<{ sources?: string }>().sources;
      if (dir !== undefined) process.env.LVS_IMAGE_SOURCES = path.resolve(dir);
    });
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * The command `args` name when the program has no such command, looking past the global options and through
 * `help NAME`; commander checks `--help` before the command name, so `discover --help` would print the global
 * help and exit 0 (commander 14, Command._parseCommand). Reads the options on a silenced copy of the program.
 */
function unknownCommandName(args: string[]): string | undefined {
  const probe = makeProgram().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  let operands: string[];
  try {
    operands = probe.parseOptions(args).operands;
  } catch {
    return undefined; // --version and friends: the real parse does it
  }
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  const known = probe.commands.some((c) => c.name() === name || c.aliases().includes(name ?? ''));
  return name === undefined || known ? undefined : name;
}

function reportError(err: unknown, json: boolean): number {
  const code = exitCodeFor(err);
  if (json) {
    const problems =
      err instanceof SpecError
        ? err.problems
        : [{ message: err instanceof Error ? err.message : String(err) }];
    process.stdout.write(JSON.stringify({ ok: false, problems }, null, 2) + '\n');
    return code;
  }
  if (err instanceof SpecError) {
    for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
    const n = err.problems.length;
    process.stderr.write(`${n} problem${n === 1 ? '' : 's'} found; nothing was written.\n`);
  } else if (err instanceof BuildError) {
    process.stderr.write(`lvs-image: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    if (err.logFile) process.stderr.write(`  full log: ${err.logFile}\n`);
  } else if (err instanceof InternalError) {
    process.stderr.write(`lvs-image: internal error: ${err.message}\nThis is a bug, please report it.\n`);
  } else {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(
      `lvs-image: unexpected error: ${e.stack ?? e.message}\nThis is a bug, please report it.\n`,
    );
  }
  return code;
}

async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  // An unknown command is parsed alone, so that commander reports it (exit 2) instead of a help it asked for.
  const unknown = unknownCommandName(argv.slice(2));
  try {
    await program.parseAsync(unknown === undefined ? argv : [...argv.slice(0, 2), unknown]);
    // A command that printed its own JSON result may set a failing exit status without throwing.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(err, program.opts<{ json?: boolean }>().json === true);
  }
}

process.exitCode = await main(process.argv);
