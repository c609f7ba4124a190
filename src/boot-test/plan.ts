/**
 * What `lvs-image boot-test` checks for each director of a spec: the expected IPVS table (the director's
 * /etc/ipvsadm.rules, rendered from the spec exactly as the build renders it), the VIPs, the counts of the
 * ready line, and the NICs QEMU gives the guest. Pure apart from reading the shipped templates.
 */
import path from 'node:path';
import { directorFiles } from '../layout.js';
import { sha256 } from '../lib/fs.js';
import { directorMode, effectiveCheck, pairOf } from '../spec/health-check.js';
import { instanceName } from '../stages/render/keepalived-conf.js';
import { vrrpTimers, type VrrpTimers } from '../spec/vrrp.js';
import type { Director, RealServer, Spec } from '../spec/types.js';
import { planDirectorFiles, renderFiles } from '../stages/render.js';
import { formatIpvsadmRules } from '../stages/render/ipvsadm-rules.js';
import { sshListen } from '../stages/render/director-view.js';
import {
  bareAddress,
  IPVSADM_DEFAULTS,
  resolveIpvsTable,
  type IpvsService,
} from '../stages/render/ipvs-table.js';
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
export function consoleLogPath(outDir: string, site: string, hostname: string, via: string): string {
  return path.join(outDir, '.boot-test', site, hostname, `boot-test-${via}.log`);
}

/**
 * keepalived's IPVS table when no real server answers (inside boot-test none does): a checked member is
 * quiesced (weight 0) or left out, an unchecked one keeps its weight, and the sorry server (weight 1) is in
 * while the members' live weight is below keepalived's quorum of 1.
 */
export function unansweredTable(director: Director, realServers: readonly RealServer[]): IpvsService[] {
  const byName = new Map(realServers.map((r) => [r.name, r]));
  return resolveIpvsTable(director, realServers).map((svc, i) => {
    const spec = director.services[i];
    if (spec === undefined) return svc;
    const dests = svc.dests.flatMap((d, m) => {
      const member = spec.realServers[m];
      const c = member !== undefined ? effectiveCheck(spec, member) : null;
      if (c === null || c.type === 'none') return [{ ...d, live: true }];
      return c.onFailure === 'quiesce' ? [{ ...d, weight: 0, live: false }] : [];
    });
    const liveWeight = dests.filter((d) => d.live).reduce((n, d) => n + d.weight, 0);
    const sorry = spec.sorryServer;
    const sorryRs = sorry !== undefined ? byName.get(sorry.server) : undefined;
    const members = dests.map(({ live: _live, ...d }) => d);
    if (liveWeight >= 1 || sorry === undefined || sorryRs === undefined) return { ...svc, dests: members };
    return {
      ...svc,
      dests: [
        ...members,
        {
          server: sorryRs.name,
          address: bareAddress(sorryRs.address),
          port: sorry.port ?? svc.port,
          forwarding: sorry.forwarding ?? svc.dests[0]?.forwarding ?? IPVSADM_DEFAULTS.forwarding,
          weight: 1,
          upperThreshold: null,
          lowerThreshold: null,
        },
      ],
    };
  });
}

/** The rendered /etc/keepalived/keepalived.conf of a director, or undefined in rules mode. */
export function renderedKeepalivedConf(spec: Spec, director: Director): string | undefined {
  const files = planDirectorFiles(spec, director).filter((f) => f.path === '/etc/keepalived/keepalived.conf');
  return files.length === 0
    ? undefined
    : renderFiles(files)
        .map((f) => f.content)
        .join('');
}

/** The expected `ipvsadm -Sn` of a director: its rendered /etc/ipvsadm.rules, or keepalived's unanswered table. */
export function expectedRules(spec: Spec, director: Director): string {
  if (directorMode(spec, director) === 'keepalived')
    return formatIpvsadmRules(unansweredTable(director, spec.realServers), spec.ipvsadm.version);
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

/** The VRRP timers a boot of a lone pair member is held to. */
function pickTimers(t: VrrpTimers): { masterDownS: number; startupS: number } {
  return { masterDownS: t.masterDownS, startupS: t.startupS };
}

/** Every boot `boot-test` runs for `spec`, director by director, in the order of `vias`. */
export function planBootTests(spec: Spec, vias: readonly BootVia[], outDir: string): BootTestPlan[] {
  return spec.directors.flatMap((director) => {
    const rules = expectedRules(spec, director);
    const netfilter = expectedNetfilter(spec, director);
    const conf = renderedKeepalivedConf(spec, director);
    const pair = pairOf(spec, director);
    const vrrp =
      pair !== undefined
        ? {
            instances: pair.instances.map((i) => instanceName(pair, i.interface)),
            ...pickTimers(vrrpTimers(pair, director.hostname)),
          }
        : undefined;
    const expected: BootExpectation = {
      ...(vrrp !== undefined ? { vrrp } : {}),
      mode: directorMode(spec, director),
      ...(conf !== undefined ? { keepalivedConfSha256: sha256(conf) } : {}),
      rules,
      ...(netfilter !== undefined ? { netfilter } : {}),
      vips: director.vips.map((v) => ({
        address: v.address,
        interface: v.interface,
        ...(v.label !== undefined ? { label: v.label } : {}),
      })),
      ...countRules(rules),
      ...(spec.access?.ntp !== undefined ? { ntp: true } : {}),
      ...(spec.access?.ssh !== undefined
        ? { ssh: { listen: sshListen(spec, director).map((l) => `${l.address}:${l.port}`) } }
        : {}),
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
