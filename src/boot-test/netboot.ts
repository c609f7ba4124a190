/**
 * The network the boot matrix boots through: the lab's hub namespace with one bridge per director NIC, and a boot
 * namespace on the boot NIC's bridge running `lvs-image serve --dhcp full` over the published site (restarted when
 * a cell needs other loaders). Nothing leaves the namespaces; everything is removed by `stop()`, on failure and on
 * Ctrl-C. Also: the QEMU guest of a cell (firmware, NICs), and the firmware files it needs.
 */
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { run } from '../lib/exec.js';
import { BuildError } from '../lib/errors.js';
import { guardSignals } from '../lib/teardown.js';
import type { Firmware, GuestSpec } from '../lib/qemu-args.js';
import type { Daemon } from '../lab/daemon.js';
import { startBootServer } from '../lab/hosts.js';
import { createLabNetwork, removeLabNetwork } from '../lab/network.js';
import { planLab, type LabPlan } from '../lab/plan/index.js';
import type { Director, Spec } from '../spec/types.js';
import type { BootCell } from './cells.js';

/** Debian's `ovmf`: 4 MiB builds; the Secure Boot variables hold Microsoft's and Debian's keys, Secure Boot on. */
const OVMF = {
  uefi: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
  'uefi-secure': { code: '/usr/share/OVMF/OVMF_CODE_4M.ms.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
} as const;

/** The firmware of `cell`, with a fresh copy of its variable store in `workDir` (every boot starts from Debian's). */
export function firmwareFor(cell: BootCell, workDir: string): Firmware {
  if (cell.firmware === 'bios') return { kind: 'bios' };
  const files = OVMF[cell.firmware];
  const missing = [files.code, files.vars].filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new BuildError(`boot cell ${cell.id}: UEFI firmware missing: ${missing.join(', ')}`, {
      hint: "install Debian's OVMF: apt-get install ovmf (`make deps` does)",
    });
  const vars = path.join(workDir, `${cell.id}-vars.fd`);
  copyFileSync(files.vars, vars);
  return {
    kind: 'uefi',
    code: files.code,
    vars,
    ...(cell.firmware === 'uefi-secure' ? { secure: true } : {}),
    ...(cell.path === 'http' ? { httpBoot: true } : {}),
  };
}

/** A running boot network. */
export interface BootNet {
  plan: LabPlan;
  /** (Re)starts serve with the loaders `cell` needs; a no-op when they are already the ones running. */
  serveFor(cell: BootCell): Promise<void>;
  /** The QEMU guest of a network cell: the director's NICs on the lab bridges, the boot NIC as the cell says. */
  guestFor(cell: BootCell, firmware: Firmware): GuestSpec & { netns: string };
  /** The signal that interrupted the boot test: its network is already gone, so boot no further cell. */
  readonly interrupted: NodeJS.Signals | undefined;
  /** Stops serve and removes the network; throws InterruptedError if a signal came. */
  stop(): Promise<void>;
}

/** Creates the boot network of `director` and returns it (serve not yet started). */
export async function startBootNet(o: {
  spec: Spec;
  director: Director;
  siteRoot: string;
  workDir: string;
  serveCommand: string[];
}): Promise<BootNet> {
  // The lab's plan without real servers: hub, bridges, taps, the boot host (and a client nobody uses).
  const plan: LabPlan = { ...planLab(o.spec, [o.director]), realServers: [] };
  let serve: { daemon: Daemon; key: string } | undefined;
  const stop = async (): Promise<void> => {
    await serve?.daemon.stop();
    serve = undefined;
    await removeLabNetwork(plan, run);
  };
  const guard = guardSignals(stop, "the boot test's boot server and namespaces");
  try {
    await createLabNetwork(plan, run);
  } catch (err) {
    await guard.close();
    throw err;
  }
  return {
    plan,
    async serveFor(cell) {
      const loaders = cell.loaders ?? { bios: 'ipxe', uefi: 'ipxe' };
      const key = `${loaders.bios}/${loaders.uefi}`;
      if (serve?.key === key) return;
      await serve?.daemon.stop();
      serve = undefined;
      const daemon = await startBootServer(
        { plan, siteRoot: o.siteRoot, workDir: o.workDir },
        o.serveCommand,
        ['--bios-loader', loaders.bios, '--uefi-loader', loaders.uefi],
      );
      serve = { daemon, key };
    },
    guestFor(cell, firmware) {
      return {
        name: `${o.director.hostname}-${cell.id}`,
        netns: plan.hub,
        firmware,
        nics: plan.bridges.map((b) => {
          const boot = b.iface === plan.boot.bootIface;
          return {
            backend: { kind: 'tap' as const, ifname: b.tap },
            ...(b.mac !== undefined ? { mac: b.mac } : {}),
            ...(boot ? { boot: true, model: cell.nic.model, rom: cell.nic.rom } : {}),
          };
        }),
      };
    },
    get interrupted() {
      return guard.interrupted;
    },
    stop: () => guard.close(),
  };
}
