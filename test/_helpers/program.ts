/** The registered commands under a bare program, as src/cli.ts builds it (without running it). */
import { Command } from 'commander';
import { COMMANDS } from '../../src/commands/index.js';

/** A commander program holding every registered sub-command; its global options are src/cli.ts's. */
export function makeCommandTree(): Command {
  const program = new Command('lvs-image');
  for (const register of COMMANDS) register(program);
  return program;
}
