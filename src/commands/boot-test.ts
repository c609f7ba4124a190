/**
 * `lvs-image boot-test SPEC`: boots each published director of the spec in QEMU (software emulation), by direct
 * kernel boot and by PXE, and checks it against the spec; prints a table, fails with the diffs and console logs.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bootTest, type BootTestResult } from '../boot-test/index.js';
import { FIRMWARE_CHOICES, PATH_CHOICES, selectCells, type BootCell } from '../boot-test/cells.js';
import { selectHardwareCells } from '../boot-test/hardware-cells.js';
import { runMatrix } from '../boot-test/matrix.js';
import { planBootTests, readExpectations, requiredFiles, VIA_CHOICES } from '../boot-test/plan.js';
import { formatBootFailures, formatBootTable } from '../boot-test/report.js';
import { DEFAULT_OUT_DIR, siteRoot } from '../layout.js';
import { BuildError, SpecError, type Problem } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';

interface BootTestFlags {
  via: string;
  firmware?: string;
  hardware?: string;
  nic?: string;
  jobs: string;
  out: string;
  timeout: string;
  json?: boolean;
}

function checkFlags(
  flags: BootTestFlags,
  viaGiven: boolean,
): { timeoutMs: number; jobs: number; cells?: BootCell[] } {
  const problems: Problem[] = [];
  let cells: BootCell[] | undefined;
  if (flags.hardware !== undefined || flags.nic !== undefined) {
    const picked = selectHardwareCells(flags);
    if (Array.isArray(picked)) cells = picked;
    else problems.push(picked);
    if (flags.firmware !== undefined)
      problems.push({
        message: `--firmware ${flags.firmware}: the hardware cells boot BIOS only; leave it out`,
      });
    if (viaGiven && flags.via !== 'direct')
      problems.push({
        message: `--via ${flags.via}: the hardware cells boot directly; leave it out or say direct`,
      });
  } else if (flags.firmware === undefined) {
    if (VIA_CHOICES[flags.via] === undefined)
      problems.push({ message: `--via ${flags.via}: must be direct, pxe or both` });
  } else {
    const firmware = FIRMWARE_CHOICES[flags.firmware];
    const paths = PATH_CHOICES[flags.via];
    if (firmware === undefined)
      problems.push({ message: `--firmware ${flags.firmware}: must be bios, uefi, uefi-secure or all` });
    if (paths === undefined)
      problems.push({ message: `--via ${flags.via}: must be direct, pxe, http, both or all` });
    if (firmware !== undefined && paths !== undefined) {
      cells = selectCells(firmware, paths);
      if (cells.length === 0)
        problems.push({
          message: `--firmware ${flags.firmware} --via ${flags.via}: no such boot`,
          hint: 'HTTP boot is a UEFI path (BIOS iPXE already loads the kernel over HTTP): use --firmware uefi',
        });
      if (cells.some((c) => c.path !== 'direct') && process.getuid?.() !== 0)
        problems.push({
          message:
            'network boots run lvs-image serve in throw-away network namespaces: run boot-test as root',
        });
    }
  }
  const seconds = /^\d+$/.test(flags.timeout) ? Number(flags.timeout) : NaN;
  if (!(seconds >= 1 && seconds <= 3600))
    problems.push({ message: `--timeout ${flags.timeout}: must be whole seconds, 1..3600` });
  const jobs = /^\d+$/.test(flags.jobs) ? Number(flags.jobs) : NaN;
  if (!(jobs >= 1 && jobs <= 8))
    problems.push({ message: `--jobs ${flags.jobs}: must be a whole number, 1..8` });
  if (problems.length > 0) throw new SpecError(problems);
  return { timeoutMs: seconds * 1000, jobs, ...(cells !== undefined ? { cells } : {}) };
}

function checkPublished(
  root: string,
  wanted: { hostname: string; files: string[] }[],
  specFile: string,
): void {
  const gone = wanted.flatMap((w) => w.files.map((f) => path.join(root, f)).filter((f) => !existsSync(f)));
  if (gone.length === 0) return;
  throw new BuildError(`the image is not built: missing ${gone.join(', ')}`, {
    hint: `run \`lvs-image build ${specFile}\` first (or pass --out DIR)`,
  });
}

/** Adds the `boot-test` command. */
export function register(program: Command): void {
  program
    .command('boot-test')
    .description(
      'boot each built director in QEMU (direct kernel boot and PXE) and check it against the spec',
    )
    .argument('<spec>', 'spec file (YAML or JSON) whose build output is tested')
    .option(
      '--via <how>',
      'boot path: direct, pxe or both; with --firmware also http and all (network boots through lvs-image serve)',
      'both',
    )
    .option(
      '--firmware <fw>',
      'boot matrix: bios, uefi (OVMF), uefi-secure (Secure Boot on: must refuse) or all; without it: BIOS, PXE by QEMU',
    )
    .option(
      '--hardware <which>',
      'hardware matrix, direct boot on q35: all (-smp 2, 4 in one cell, each NIC model QEMU emulates, a watchdog) or left-out (the negative: eth0 on a NIC the image has no driver for)',
    )
    .option('--nic <model>', 'one cell of the hardware matrix: that QEMU NIC model (e1000e, tulip, ...)')
    .option('--jobs <n>', 'matrix: direct boots run this many guests at once', '1')
    .option('--out <dir>', 'output folder the image was built into', DEFAULT_OUT_DIR)
    .option(
      '--timeout <seconds>',
      'bound on each boot, start to ready line (software emulation is slow)',
      '180',
    )
    .action(async (specFile: string, _opts: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<BootTestFlags>();
      const { timeoutMs, jobs, cells } = checkFlags(flags, cmd.getOptionValueSource('via') === 'cli');
      const { spec } = await loadSpec(specFile);
      const root = siteRoot(flags.out, spec.name);
      if (cells !== undefined) {
        const results = await runMatrix({
          spec,
          specFile,
          root,
          outDir: flags.out,
          cells,
          timeoutMs,
          json: flags.json === true,
          jobs,
        });
        report(results, flags.json === true, flags.hardware !== undefined || flags.nic !== undefined);
        return;
      }
      const vias = VIA_CHOICES[flags.via] ?? [];
      checkPublished(
        root,
        spec.directors.flatMap((d) =>
          vias.map((v) => ({ hostname: d.hostname, files: requiredFiles(d.hostname, v) })),
        ),
        specFile,
      );
      const plans = planBootTests(spec, vias, flags.out, await readExpectations(root, spec));
      const results: BootTestResult[] = [];
      // One guest at a time: software emulation takes a whole core, and the machine is shared.
      for (const p of plans) {
        if (flags.json !== true) process.stderr.write(`booting ${p.hostname} (${p.via}) ...\n`);
        results.push(
          await bootTest({
            siteRoot: root,
            hostname: p.hostname,
            expected: p.expected,
            via: p.via,
            consoleLog: p.consoleLog,
            timeoutMs,
            interfaces: p.interfaces,
          }),
        );
      }
      report(results, flags.json === true);
    });
}

/** Prints the table (or JSON) and fails with the diffs when a boot failed. */
function report(results: BootTestResult[], json: boolean, hardware = false): void {
  const ok = results.every((r) => r.ok);
  if (json) {
    if (ok) printJson({ ok, results });
  } else {
    process.stdout.write(formatBootTable(results));
  }
  if (!ok) {
    const failed = results.filter((r) => !r.ok).length;
    throw new BuildError(
      `boot test failed for ${failed} of ${results.length} boots\n${formatBootFailures(results)}`,
      {
        hint: hardware
          ? "a hardware cell fails when the image has no driver for the cell's NIC model or the kernel lacks a server option (SMP, PCI_MSI, the watchdog's driver): each check names what it saw; `lvs-image hardware SPEC` lists what the image carries"
          : "the diff compares what the build published (<hostname>/state.json: the image's own /etc/ipvsadm.rules) with what the booted director holds",
      },
    );
  }
}
