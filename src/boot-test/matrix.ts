/**
 * Runs the boot matrix (`boot-test --firmware ...`): for each director, its direct cells, then its network cells
 * through one boot network (src/boot-test/netboot.ts), serve restarted only when the loaders change. A cell that
 * must fail (Secure Boot with unsigned loaders) passes when the firmware's refusal shows on the console.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directorFiles } from '../layout.js';
import { READY_PATTERN } from '../runtime/console-contract.js';
import { BuildError } from '../lib/errors.js';
import { startGuest } from '../lib/qemu.js';
import { bootFilesFor } from '../serve/dnsmasq-config.js';
import type { Spec } from '../spec/types.js';
import type { GuestSpec } from '../lib/qemu-args.js';
import type { BootCell } from './cells.js';
import { guestSpecFor } from './guest.js';
import { catalogDriversOf, hardwareExpectation, hardwareGuest } from './hardware-cells.js';
import { bootTest, type BootTestResult } from './index.js';
import { firmwareFor, startBootNet, type BootNet } from './netboot.js';
import { consoleLogPath, planBootTests, readExpectations, requiredFiles } from './plan.js';

/** True when the kernel image is also a PE/COFF program (CONFIG_EFI_STUB): "MZ", then "PE\0\0" where 0x3c points. */
export function hasEfiStub(head: Buffer): boolean {
  if (head.length < 0x40 || head.toString('latin1', 0, 2) !== 'MZ') return false;
  const pe = head.readUInt32LE(0x3c);
  return pe + 4 <= head.length && head.toString('latin1', pe, pe + 4) === 'PE\0\0';
}

function readHead(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** What each cell needs from the published root, checked before any QEMU starts. */
export function checkCells(
  root: string,
  specFile: string,
  hostnames: string[],
  cells: readonly BootCell[],
): void {
  const problems: string[] = [];
  for (const host of hostnames)
    for (const cell of cells) {
      const files = [
        ...requiredFiles(host, cell.path === 'direct' ? 'direct' : 'pxe'),
        ...(cell.loaders !== undefined
          ? bootFilesFor({
              biosLoader: cell.loaders.bios,
              uefiLoader: cell.loaders.uefi,
              httpPort: 80,
              clients: [cell.firmware === 'bios' ? 'bios' : cell.path === 'http' ? 'efi64http' : 'efi64'],
            })
          : []),
      ];
      for (const f of files)
        if (!existsSync(path.join(root, f))) problems.push(`${host} ${cell.id}: missing ${f}`);
      const kernel = path.join(root, directorFiles(host).kernel);
      if (cell.firmware !== 'bios' && cell.mustFail === undefined && existsSync(kernel))
        if (!hasEfiStub(readHead(kernel, 4096)))
          problems.push(
            `${host} ${cell.id}: ${kernel} has no EFI stub, so UEFI loaders cannot start it (rebuild: the base fragment sets CONFIG_EFI_STUB)`,
          );
    }
  if (problems.length > 0)
    throw new BuildError(`the image cannot boot every requested cell:\n  ${problems.join('\n  ')}`, {
      hint: `run \`lvs-image build ${specFile}\` first (or pass --out DIR)`,
    });
}

/** A cell that must fail: the guest runs until the firmware's refusal shows (pass) or the director gets ready (fail). */
async function expectRefusal(
  cell: BootCell,
  hostname: string,
  guest: Parameters<typeof startGuest>[0],
  timeoutMs: number,
): Promise<BootTestResult> {
  const must = cell.mustFail;
  if (must === undefined) throw new Error(`${cell.id} is not a cell that must fail`);
  const g = await startGuest(guest);
  let detail: string;
  let ok: boolean;
  try {
    const seen = await g.console
      // The whole console line of the refusal (e.g. OVMF's `BdsDxe: failed to load Boot0001 ...: Access Denied`).
      .waitForLine(
        new RegExp(`^.*(?:${must.pattern.source}).*$|${READY_PATTERN.source}`, 'im'),
        timeoutMs,
        'a refusal',
      )
      .then(
        (m) => m[0],
        () => undefined,
      );
    ok = seen !== undefined && must.pattern.test(seen);
    detail =
      seen === undefined
        ? `neither a refusal nor the ready line within ${timeoutMs / 1000} s`
        : ok
          ? `refused as it must be: "${seen.trim().slice(0, 200)}"; ${must.why}`
          : `booted though Secure Boot is on: "${seen.trim().slice(0, 100)}"`;
  } finally {
    await g.stop();
  }
  return {
    hostname,
    via: cell.id,
    ok,
    checks: [{ name: 'Secure Boot refuses unsigned code', ok, detail }],
    consoleLog: guest.consoleLog,
    mustFail: true,
  };
}

/** Runs `work` on each item, at most `jobs` at a time. */
async function inPool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await work(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
}

/**
 * Runs `cells` for every director of `spec`: the direct cells `jobs` guests at a time (default 1), then the network
 * cells one at a time through the director's boot network. Results in cell order.
 */
export async function runMatrix(o: {
  spec: Spec;
  specFile: string;
  root: string;
  outDir: string;
  cells: readonly BootCell[];
  timeoutMs: number;
  json: boolean;
  serveCommand?: string[];
  jobs?: number;
}): Promise<BootTestResult[]> {
  checkCells(
    o.root,
    o.specFile,
    o.spec.directors.map((d) => d.hostname),
    o.cells,
  );
  const plans = planBootTests(o.spec, ['direct'], o.outDir, await readExpectations(o.root, o.spec));
  const serveCommand = o.serveCommand ?? [process.execPath, ...process.execArgv, process.argv[1] ?? ''];
  const results: BootTestResult[] = [];
  for (const p of plans) {
    const director = o.spec.directors.find((d) => d.hostname === p.hostname);
    if (director === undefined) continue;
    const workDir = mkdtempSync(path.join(tmpdir(), `lvs-boot-${p.hostname}-`));
    const cmdline = await readFile(path.join(o.root, directorFiles(p.hostname).cmdline), 'utf8');
    let net: BootNet | undefined;
    const done = new Map<BootCell, BootTestResult>();
    const boot = async (cell: BootCell): Promise<void> => {
      if (!o.json) process.stderr.write(`booting ${p.hostname} (${cell.id}) ...\n`);
      const firmware = firmwareFor(cell, workDir);
      const consoleLog = consoleLogPath(o.outDir, o.spec.name, p.hostname, cell.id);
      let guest: GuestSpec;
      if (cell.path === 'direct') {
        const base = guestSpecFor(
          { siteRoot: o.root, hostname: p.hostname, interfaces: p.interfaces, cmdline },
          'direct',
        );
        guest = { ...base, name: `${p.hostname}-${cell.id}`, firmware };
        if (cell.hardware !== undefined) guest = hardwareGuest(cell.hardware, guest, p.interfaces);
      } else {
        net ??= await startBootNet({ spec: o.spec, director, siteRoot: o.root, workDir, serveCommand });
        await net.serveFor(cell);
        guest = net.guestFor(cell, firmware);
      }
      done.set(
        cell,
        cell.mustFail !== undefined
          ? await expectRefusal(cell, p.hostname, { ...guest, consoleLog }, Math.min(o.timeoutMs, 120_000))
          : await bootTest({
              siteRoot: o.root,
              hostname: p.hostname,
              expected: p.expected,
              via: cell.id,
              guest,
              consoleLog,
              timeoutMs: o.timeoutMs,
              interfaces: p.interfaces,
              ...(cell.hardware !== undefined
                ? { hardware: hardwareExpectation(cell.hardware, p.interfaces, catalogDriversOf) }
                : {}),
            }),
      );
    };
    try {
      // Direct boots share nothing: several at once; network boots share the boot network and its serve.
      await inPool(
        o.cells.filter((c) => c.path === 'direct'),
        o.jobs ?? 1,
        boot,
      );
      for (const cell of o.cells.filter((c) => c.path !== 'direct')) {
        if (net?.interrupted !== undefined) break;
        await boot(cell);
      }
    } finally {
      await net?.stop();
    }
    for (const cell of o.cells) {
      const r = done.get(cell);
      if (r !== undefined) results.push(r);
    }
  }
  return results;
}
