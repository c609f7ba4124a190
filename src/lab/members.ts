/**
 * The lab's directors as QEMU guests on its taps: booting one (direct kernel boot, or PXE from the boot host for a
 * lone director), and what the lab reads on their consoles (the IPVS table, a synced connection).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeRules } from '../boot-test/parse.js';
import { directorFiles } from '../layout.js';
import { BuildError } from '../lib/errors.js';
import { startGuest, type Guest } from '../lib/qemu.js';
import { BOOT_END_LINE, degradedBoot } from './console-lines.js';
import type { LabContext } from './context.js';
import { LAB_RTC_BASE } from './ntp-server.js';
import type { LabMember } from './plan/types.js';
import { pollUntil, type Found } from './poll.js';

/**
 * Boots `m` from the build in `root` (default the lab's) and waits for its ready line (bounded by the lab's
 * timeout); PXE from the boot host when the lab was given a serve command (a lone director). A director whose boot
 * ends DEGRADED (a step failed) is refused: what the lab measured on it would not be the spec's director.
 */
export async function bootMember(ctx: LabContext, m: LabMember, root: string = ctx.siteRoot): Promise<Guest> {
  const files = directorFiles(m.hostname);
  const pxe = ctx.serveCommand !== undefined;
  const cmdline = (await readFile(path.join(root, files.cmdline), 'utf8')).trim();
  const s = ctx.session;
  s.boots++;
  const consoleLog = path.join(ctx.workDir, `${m.hostname}-console-${s.boots}.log`);
  const guest = await startGuest({
    name: m.hostname,
    consoleLog,
    netns: ctx.plan.hub,
    nics: m.nics.map((n) => ({
      backend: { kind: 'tap' as const, ifname: n.tap },
      ...(n.mac !== undefined ? { mac: n.mac } : {}),
      ...(pxe && n.iface === ctx.plan.boot.bootIface ? { boot: true } : {}),
    })),
    ...(pxe
      ? {}
      : {
          direct: {
            kernel: path.join(root, files.kernel),
            initrd: path.join(root, files.initrd),
            append: cmdline,
          },
        }),
    // With access.ntp the director starts years behind, so only its ntpd can have set the clock the lab finds.
    ...(ctx.plan.ops?.ntp !== undefined ? { rtcBase: LAB_RTC_BASE } : {}),
  });
  s.guests.set(m.hostname, guest);
  const end = await guest.console.waitForLine(BOOT_END_LINE, ctx.timeoutMs, 'the ready line');
  const degraded = degradedBoot(end[0]);
  if (degraded !== undefined)
    throw new BuildError(`${m.hostname} booted DEGRADED, so the lab does not run on it: ${degraded}`, {
      hint: `the FAILED lines before it say which boot step failed and why (console log: ${consoleLog})`,
    });
  s.readyAt.set(m.hostname, Date.now());
  // Kernel lines (IPVS's sync threads on a takeover) would otherwise cut daemon lines on the serial console.
  await guest.console.run('dmesg -n 1', 60_000);
  return guest;
}

/** Polls `ipvsadm -Sn` on `guest` until it equals `want` or `boundS` passes; when the matching probe ended. */
export async function waitForTable(guest: Guest, want: string, boundS: number): Promise<number | undefined> {
  const target = normalizeRules(want);
  // NOTE: the end of the probe that saw the table, not its start: the table may have changed while that probe ran,
  // so a request sent then could still reach the old table and must count as before the change (a 500 counted
  // "after" failed CI's checked lab once when the start was used).
  const found = await pollUntil(
    async () =>
      normalizeRules((await guest.console.run('ipvsadm -Sn', 60_000)).output) === target
        ? Date.now()
        : undefined,
    { boundMs: boundS * 1000, everyMs: 0 },
  );
  return found?.value;
}

/** Bound on the wait for a connection to reach the other member through connection sync. */
export const SYNC_BOUND_S = 8;

/**
 * Waits (bounded) until `guest`'s connection table holds the client's connection from `localPort` to the VIP:
 * the sync daemon has carried it over.
 */
export function waitForSynced(
  guest: Guest,
  client: string,
  target: { vip: string; port: number },
  localPort: number,
): Promise<Found<true> | undefined> {
  const dots = (a: string): string => a.replaceAll('.', '\\.');
  const entry = new RegExp(`\\s${dots(client)}:${localPort}\\s+${dots(target.vip)}:${target.port}\\s`);
  return pollUntil(
    async () => (entry.test((await guest.console.run('ipvsadm -Lnc', 30_000)).output) ? true : undefined),
    { boundMs: SYNC_BOUND_S * 1000, everyMs: 250 },
  );
}
