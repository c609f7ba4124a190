/** `lvs-image kconfig SPEC [--kernel-version V] [--out FILE]`: prints or writes the spec's kernel config fragment. */
import type { Command } from 'commander';
import { writeFileAtomic } from '../lib/fs.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';
import { generateKernelFragment } from '../stages/kernel-config.js';

/** Registers `kconfig`. */
export function register(program: Command): void {
  program
    .command('kconfig')
    .description(
      "print the spec's kernel config fragment (IPVS/netfilter and the diskless-director base), each line with the reason it is there",
    )
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option(
      '--kernel-version <version>',
      'generate for this kernel version instead of kernel.version (e.g. 2.6.16.27)',
    )
    .option('--out <file>', 'write the fragment to FILE instead of standard output')
    .action(async (file: string, opts: { kernelVersion?: string; out?: string }, cmd: Command) => {
      const { spec } = await loadSpec(file);
      const fragment = generateKernelFragment(
        spec,
        opts.kernelVersion !== undefined ? { kernelVersion: opts.kernelVersion } : {},
      );
      if (opts.out !== undefined) await writeFileAtomic(opts.out, fragment.text);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        const { text, ...rest } = fragment;
        printJson({ ok: true, file, ...(opts.out !== undefined ? { out: opts.out } : { text }), ...rest });
        return;
      }
      if (opts.out === undefined) process.stdout.write(fragment.text);
      else
        process.stderr.write(
          `${opts.out}: ${fragment.lines.length} options for kernel ${fragment.kernelVersion} (${fragment.profile}, ${fragment.options})\n`,
        );
    });
}
