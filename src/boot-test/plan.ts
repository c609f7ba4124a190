/**
 * What `lvs-image boot-test` checks for each director of a spec: the expected IPVS table (the director's
 * /etc/ipvsadm.rules, rendered from the spec exactly as the build renders it), the VIPs, the counts of the
 * ready line, and the NICs QEMU gives the guest. Pure apart from reading the shipped templates.
 */
import path from 'node:path';
import { directorFiles } from '../layout.js';
import type { Director, Spec } from '../spec/types.js';
import { planDirectorFiles, renderFiles } from '../stages/render.js';
import type { BootExpectation } from './checks.js';
import type { BootVia, GuestInterface } from './guest.js';

/** One boot to run. */
export interface BootTestPlan {
  hostname: string;
  via: BootVia;
  expected: BootExpectation;
  interfaces: GuestInterface[];
  consoleLog: string;
}

/** Which boot paths `--via` selects. */
export const VIA_CHOICES: Record<string, BootVia[]> = {
  direct: ['direct'],
  pxe: ['pxe'],
  both: ['direct', 'pxe'],
};

/** Where a boot's console log is kept: beside the release, not inside the servable root (its SHA256SUMS stays true). */
export function consoleLogPath(outDir: string, site: string, hostname: string, via: BootVia): string {
  return path.join(outDir, '.boot-test', site, hostname, `boot-test-${via}.log`);
}

/** The expected `ipvsadm -Sn` of a director: its rendered /etc/ipvsadm.rules. */
export function expectedRules(spec: Spec, director: Director): string {
  const files = planDirectorFiles(spec, director).filter((f) => f.path === '/etc/ipvsadm.rules');
  return renderFiles(files)
    .map((f) => f.content)
    .join('');
}

/** The rendered /etc/iptables.rules of a director, or undefined when it has none (no fwmark service). */
export function expectedNetfilter(spec: Spec, director: Director): string | undefined {
  const files = planDirectorFiles(spec, director).filter((f) => f.path === '/etc/iptables.rules');
  return files.length === 0
    ? undefined
    : renderFiles(files)
        .map((f) => f.content)
        .join('');
}

/** The director's NICs in the order the guest names them (eth0, eth1, ...); the inside one PXE-boots. */
export function guestInterfaces(director: Director): GuestInterface[] {
  const sorted = [...director.interfaces].sort((a, b) =>
    a.name.localeCompare(b.name, 'en', { numeric: true }),
  );
  const boot = sorted.find((i) => i.role === 'inside') ?? sorted[0];
  return sorted.map((i) => ({
    name: i.name,
    ...(i.mac !== undefined ? { mac: i.mac } : {}),
    ...(i === boot ? { boot: true } : {}),
  }));
}

/** Counts what the ready line reports, from rules in ipvsadm -Sn form: `-A` lines and `-a` lines. */
export function countRules(rules: string): { services: number; realServers: number } {
  const lines = rules.split('\n');
  return {
    services: lines.filter((l) => l.startsWith('-A ')).length,
    realServers: lines.filter((l) => l.startsWith('-a ')).length,
  };
}

/** Every boot `boot-test` runs for `spec`, director by director, in the order of `vias`. */
export function planBootTests(spec: Spec, vias: readonly BootVia[], outDir: string): BootTestPlan[] {
  return spec.directors.flatMap((director) => {
    const rules = expectedRules(spec, director);
    const netfilter = expectedNetfilter(spec, director);
    const expected: BootExpectation = {
      rules,
      ...(netfilter !== undefined ? { netfilter } : {}),
      vips: director.vips.map((v) => ({
        address: v.address,
        interface: v.interface,
        ...(v.label !== undefined ? { label: v.label } : {}),
      })),
      ...countRules(rules),
    };
    const interfaces = guestInterfaces(director);
    return vias.map((via) => ({
      hostname: director.hostname,
      via,
      expected,
      interfaces,
      consoleLog: consoleLogPath(outDir, spec.name, director.hostname, via),
    }));
  });
}

/** The published files a boot needs, relative to the site root. */
export function requiredFiles(hostname: string, via: BootVia): string[] {
  const f = directorFiles(hostname);
  return via === 'direct' ? [f.kernel, f.initrd, f.cmdline] : [f.ipxe, f.kernel, f.initrd, f.cmdline];
}
