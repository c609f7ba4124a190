/**
 * The hardware cells of the boot matrix (`boot-test --hardware all`, `--nic MODEL`), from hardware-cells.json: each
 * boots the director directly on q35 with -smp N, its interfaces on given QEMU NIC models (the spec's MACs), and a
 * watchdog; what it checks beyond a plain boot-test is data too. The guest and the expectation of a cell. Pure.
 */
import type { Problem } from '../lib/errors.js';
import { allDrivers } from '../hardware/catalog.js';
import type { GuestNic, GuestSpec, NicModel } from '../lib/qemu-args.js';
import type { BootCell, HardwareCell, HardwareCheck, WatchdogRow } from './cells.js';
import type { GuestInterface } from './guest.js';
import table from './hardware-cells.json' with { type: 'json' };

/** A QEMU NIC model as the guest sees it. */
export interface NicModelRow {
  pci: string;
  msix: boolean;
  name: string;
}

interface CellRow {
  id: string;
  nics: string[];
  pciOrder?: string;
  smp: number;
  watchdog: string | null;
  checks: string[];
  leftOut?: string[];
}

/** The NIC models QEMU 7.2 emulates that the matrix boots, by `-device` name. */
export const NIC_MODELS: Readonly<Record<NicModel, NicModelRow>> = table.models;

const WATCHDOGS: Readonly<Record<string, WatchdogRow>> = table.watchdogs;
const CHECKS: readonly HardwareCheck[] = [
  'boot',
  'cpus',
  'nics',
  'pci-order',
  'msix',
  'watchdog',
  'degraded',
];

function isModel(name: string): name is NicModel {
  return Object.hasOwn(NIC_MODELS, name);
}

/** A row of hardware-cells.json as a boot cell; an unknown model, watchdog or check is a bug in the table. */
function cellOf(row: CellRow): BootCell {
  const where = `src/boot-test/hardware-cells.json: cell ${row.id}`;
  const model = (n: string): NicModel => {
    if (!isModel(n)) throw new Error(`${where}: unknown model ${n}`);
    return n;
  };
  const nics = row.nics.map(model);
  const watchdog = row.watchdog === null ? null : WATCHDOGS[row.watchdog];
  if (watchdog === undefined) throw new Error(`${where}: unknown watchdog ${row.watchdog}`);
  const checks = row.checks.map((c) => {
    const known = CHECKS.find((k) => k === c);
    if (known === undefined) throw new Error(`${where}: unknown check ${c}`);
    return known;
  });
  const hardware: HardwareCell = {
    nics,
    pciOrder: row.pciOrder === 'reversed' ? 'reversed' : 'names',
    smp: row.smp,
    watchdog,
    checks,
    leftOut: (row.leftOut ?? []).map(model),
  };
  return {
    id: row.id,
    firmware: 'bios',
    path: 'direct',
    nic: { model: nics[0] ?? 'e1000', rom: false },
    fetches: [],
    hardware,
  };
}

/** Every hardware cell, in table order. */
export const HARDWARE_CELLS: readonly BootCell[] = (table.cells as CellRow[]).map(cellOf);

/** `--hardware` choices: every model (the reference must boot on each), or the negative (an image lacking one). */
export const HARDWARE_CHOICES: Record<string, () => BootCell[]> = {
  all: () => HARDWARE_CELLS.filter((c) => c.hardware?.leftOut.length === 0),
  'left-out': () => HARDWARE_CELLS.filter((c) => (c.hardware?.leftOut.length ?? 0) > 0),
};

/** The cells `--hardware H` or `--nic MODEL` (the cell of that model alone) select, or what is wrong. */
export function selectHardwareCells(o: { hardware?: string; nic?: string }): BootCell[] | Problem {
  if (o.hardware !== undefined && o.nic !== undefined)
    return {
      message: `--hardware ${o.hardware} --nic ${o.nic}: give one of them`,
      hint: '--hardware all boots every NIC model, --nic MODEL one',
    };
  if (o.hardware !== undefined)
    return (
      HARDWARE_CHOICES[o.hardware]?.() ?? {
        message: `--hardware ${o.hardware}: must be ${Object.keys(HARDWARE_CHOICES).join(' or ')}`,
      }
    );
  const cell = HARDWARE_CELLS.find((c) => c.id === `nic-${o.nic ?? ''}`);
  return cell !== undefined
    ? [cell]
    : {
        message: `--nic ${o.nic ?? ''}: not a NIC model the matrix boots`,
        hint: `one of ${Object.keys(NIC_MODELS).join(', ')} (QEMU -device names)`,
      };
}

/**
 * The guest NICs of `cell` for the director's interfaces (spec name order, with their MACs): interface i on model
 * `nics[i]` (the last model for any further interface), in PCI slot order as the cell says.
 */
export function hardwareNics(cell: HardwareCell, interfaces: readonly GuestInterface[]): GuestNic[] {
  const nics = interfaces.map((iface, i) => ({
    backend: { kind: 'user' as const },
    model: cell.nics[Math.min(i, cell.nics.length - 1)] ?? 'e1000',
    ...(iface.mac !== undefined ? { mac: iface.mac } : {}),
  }));
  return cell.pciOrder === 'reversed' ? nics.reverse() : nics;
}

/** The further `-device` values of `cell`: its watchdog when the machine lacks it. */
export function hardwareDevices(cell: HardwareCell): string[] {
  return cell.watchdog?.device != null ? [cell.watchdog.device] : [];
}

/** The direct-boot guest `base` as `cell` boots it: q35, -smp N, the cell's NIC models, its watchdog. */
export function hardwareGuest(
  cell: HardwareCell,
  base: GuestSpec,
  interfaces: readonly GuestInterface[],
): GuestSpec {
  return {
    ...base,
    machine: 'q35',
    smp: cell.smp,
    nics: hardwareNics(cell, interfaces),
    devices: hardwareDevices(cell),
  };
}

/** The catalog's modules that drive QEMU NIC model `model` (hardware/nics.json, a driver's `qemu` list). */
export function catalogDriversOf(model: NicModel): string[] {
  return allDrivers()
    .filter((d) => d.qemu.includes(model))
    .map((d) => d.module);
}

/** What a hardware cell's checks compare against: per interface the model, its PCI id and drivers. */
export interface HardwareExpectation {
  checks: HardwareCheck[];
  cpus: number;
  interfaces: {
    name: string;
    mac?: string;
    model: NicModel;
    pci: string;
    msix: boolean;
    drivers: string[];
    /** The image must have no driver for it (the negative). */
    leftOut?: boolean;
  }[];
  pciOrder: 'names' | 'reversed';
  /** The watchdog whose driver must be bound while a watchdog is open; null: the cell checks none. */
  watchdog: WatchdogRow | null;
}

/** The expectation of `cell` for `interfaces`; `driversOf` names the modules that drive a model (the catalog). */
export function hardwareExpectation(
  cell: HardwareCell,
  interfaces: readonly GuestInterface[],
  driversOf: (model: NicModel) => string[],
): HardwareExpectation {
  return {
    checks: cell.checks,
    cpus: cell.smp,
    interfaces: interfaces.map((iface, i) => {
      const model = cell.nics[Math.min(i, cell.nics.length - 1)] ?? 'e1000';
      const row = NIC_MODELS[model];
      return {
        name: iface.name,
        ...(iface.mac !== undefined ? { mac: iface.mac } : {}),
        model,
        pci: row.pci,
        msix: row.msix,
        drivers: driversOf(model),
        ...(cell.leftOut.includes(model) ? { leftOut: true } : {}),
      };
    }),
    pciOrder: cell.pciOrder,
    watchdog: cell.watchdog,
  };
}
