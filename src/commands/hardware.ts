/**
 * `lvs-image hardware SPEC [--lspci FILE]`: what the spec's image carries for real hardware (NIC drivers by
 * family, built in or module, firmware, platform options, each with its reason) and, for an `lspci -nn` dump of a
 * target machine, which of its network controllers the image drives and the fix for each one it does not.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { dumpNotes } from '../hardware/dump-notes.js';
import { imageHardware, imageNics } from '../hardware/image-hardware.js';
import { parseLspci } from '../hardware/lspci.js';
import { matchNics } from '../hardware/match.js';
import { loadPciIds, pciRules } from '../hardware/pci-ids.js';
import { renderImageHardware, renderNicTable } from '../hardware/report-text.js';
import { BuildError } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';

const LSPCI_HINT = 'run `lspci -nn` (or `lspci -nnk`) on the target machine and pass its output to --lspci';

/** Reads and parses an lspci dump; an unreadable file or a line that is not lspci -nn output is a BuildError. */
export async function readLspci(file: string): Promise<ReturnType<typeof parseLspci>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new BuildError(`${file}: cannot read the lspci dump (${code})`, { hint: LSPCI_HINT });
  }
  const parsed = parseLspci(text);
  if (parsed.unparsed.length > 0) {
    const shown = parsed.unparsed
      .slice(0, 3)
      .map((u) => `${file}:${u.line}: not a line of lspci -nn output: ${u.text}`);
    const more = parsed.unparsed.length > 3 ? [`(${parsed.unparsed.length - 3} more such lines)`] : [];
    throw new BuildError([...shown, ...more].join('\n'), {
      hint: `${LSPCI_HINT}; plain lspci lacks the [vendor:device] ids the drivers are matched by`,
    });
  }
  return parsed;
}

/** Registers `hardware`. */
export function register(program: Command): void {
  program
    .command('hardware')
    .description(
      "what SPEC's image carries for real hardware (NIC drivers built in or as modules, firmware, platform options, with the reason for each); with --lspci, which network controllers of that machine the image drives and the fix for the others",
    )
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option(
      '--lspci <file>',
      'an `lspci -nn` (or -nnk) dump of the target machine: match its network controllers (exit 1 if unreadable)',
    )
    .action(async (file: string, opts: { lspci?: string }, cmd: Command) => {
      const { spec } = await loadSpec(file);
      const hw = imageHardware(spec);
      const dump = opts.lspci !== undefined ? await readLspci(opts.lspci) : undefined;
      const data = loadPciIds();
      const bus = Object.fromEntries(Object.entries(data.modules).map(([m, e]) => [m, e.bus ?? []]));
      const nics = dump ? matchNics(dump.devices, pciRules(data), imageNics(hw)) : [];
      const notes = dump ? dumpNotes(dump.devices, bus, imageNics(hw)) : [];
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        printJson({
          ok: true,
          file,
          image: hw,
          ...(dump ? { lspci: { file: opts.lspci, devices: dump.devices.length, nics, notes } } : {}),
          pciIds: data.derivedFrom,
        });
        return;
      }
      process.stdout.write(renderImageHardware(file, hw));
      if (dump) process.stdout.write('\n' + renderNicTable(opts.lspci!, dump.devices.length, nics, notes));
    });
}
