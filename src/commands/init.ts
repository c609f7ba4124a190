/** `lvs-image init [FILE]`: writes the commented starter spec (the reference director), never over an existing file. */
import type { Command } from 'commander';
import { open } from 'node:fs/promises';
import { SpecError } from '../lib/errors.js';
import { shellQuote } from '../lib/exec.js';
import { printJson } from '../lib/output.js';
import { starterSpec } from '../spec/starter.js';

/** What the printed starter's validate hint names: the user picks the file it is saved to. */
const PRINTED_NAME = 'FILE';

/** Creates `file` with the starter spec naming it; refuses (SpecError) when it already exists. */
export async function writeStarterSpec(file: string): Promise<void> {
  // The starter's comment names the file; a line break in the name would end the comment mid-name.
  if (/[\r\n]/.test(file))
    throw new SpecError({
      file,
      message: 'the file name has a line break; the starter spec names its own file in a comment',
      hint: 'pick a name without line breaks',
    });
  let handle;
  try {
    // 'wx' creates the file and fails if it exists, with no window between a check and the write.
    handle = await open(file, 'wx', 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new SpecError({
        file,
        message: 'already exists; init never overwrites a file',
        hint: 'pick another name, or remove the file first',
      });
    throw new SpecError({
      file,
      message: `cannot create the file (${code ?? String(err)})`,
      hint: 'check that the folder exists and is writable',
    });
  }
  try {
    await handle.writeFile(starterSpec(file));
  } finally {
    await handle.close();
  }
}

/** Registers `init`. */
export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented starter spec (the reference director) to FILE, or print it')
    .argument('[file]', 'where to write it; an existing file is never overwritten')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      if (file === undefined) {
        const spec = starterSpec(PRINTED_NAME);
        if (json) printJson({ ok: true, spec });
        else process.stdout.write(spec);
        return;
      }
      await writeStarterSpec(file);
      if (json) printJson({ ok: true, file });
      else
        process.stdout.write(`${file}: written; check it with \`lvs-image validate ${shellQuote(file)}\`\n`);
    });
}
