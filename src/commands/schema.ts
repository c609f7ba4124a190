/** `lvs-image schema`: prints the spec's JSON Schema, for editors and other tools. */
import type { Command } from 'commander';
import { SPEC_SCHEMA } from '../spec/schema.js';

/** Registers `schema`. */
export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the spec (point your editor at it)')
    .action(() => {
      process.stdout.write(JSON.stringify(SPEC_SCHEMA, null, 2) + '\n');
    });
}
