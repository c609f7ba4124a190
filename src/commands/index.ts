/** The table of sub-commands, in the order `--help` lists them; each module exports `register(program)`. */
import type { Command } from 'commander';

/** Adds one sub-command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [];
