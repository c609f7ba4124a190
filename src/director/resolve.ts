/**
 * `resolveDirector(spec, director)`: the one place a director of a spec is resolved into its model
 * (src/director/types.ts). Computed once per director in the build plan; everything else reads the model. Pure.
 */
import { programVersions } from '../packages/programs.js';
import { coldplugModules, directorModules } from '../plan-modules.js';
import { DEFAULTS } from '../spec/defaults.js';
import { directorMode } from '../spec/health-check.js';
import type { Director, Spec } from '../spec/types.js';
import { resolveAccess } from './access.js';
import { directorDaemons } from './daemons.js';
import { resolveInterfaces, resolveVips } from './interfaces.js';
import { checkName } from './names.js';
import { formatIptablesTables } from './netfilter.js';
import { resolvePair } from './pair.js';
import { resolveIpvs } from './services.js';
import type { DirectorModel, ModelPair, ModelWatchdog } from './types.js';

/**
 * The kernel command line of every director of the spec: one `console=` per spec console, in spec order (the
 * kernel prints to all of them; the last one is /dev/console, where /init speaks), then the spec's words.
 */
export function planCmdline(spec: Spec): string {
  const consoles = spec.image?.console;
  const list = consoles === undefined ? [] : typeof consoles === 'string' ? [consoles] : consoles;
  return [...list.map((c) => `console=${c}`), ...(spec.image?.cmdline ?? [])].join(' ');
}

/**
 * The sysctls a pair's connection sync needs: time-based resync (every `refreshPeriodS` while packets flow) instead
 * of every 50th client packet, so a member that boots while its peer is master learns each open connection before it
 * takes over (networks.md §5: ip_vs_sync_conn_needed). None with the kernel's packet count (0).
 */
function syncSysctls(pair: ModelPair | null): { key: string; value: string }[] {
  const r = pair?.connectionSync?.refreshPeriodS ?? 0;
  if (r === 0) return [];
  return [
    { key: 'net.ipv4.vs.sync_threshold', value: '3 0' },
    { key: 'net.ipv4.vs.sync_refresh_period', value: String(r) },
  ];
}

/**
 * sysctls as /etc/sysctl.conf sets them: IP forwarding first (a director forwards), then the pair's sync ones, then
 * the spec's own (a key the spec sets itself replaces the pair's).
 */
function resolveSysctls(director: Director, pair: ModelPair | null): { key: string; value: string }[] {
  const own = Object.entries(director.sysctls ?? {})
    .filter(([key]) => key !== 'net.ipv4.ip_forward')
    .map(([key, value]) => ({ key, value: String(value) }));
  const derived = syncSysctls(pair).filter((s) => !own.some((o) => o.key === s.key));
  return [{ key: 'net.ipv4.ip_forward', value: '1' }, ...derived, ...own];
}

/** Resolves `director` (one of `spec.directors`, defaults applied) into its model. */
export function resolveDirector(spec: Spec, director: Director): DirectorModel {
  const d = spec.directors.indexOf(director);
  const at = `/directors/${d < 0 ? 0 : d}`;
  const mode = directorMode(spec, director);
  const access = resolveAccess(spec, director, mode);
  const ipvs = resolveIpvs(spec, director);
  const pair = resolvePair(spec, director);
  const watchdog = resolveWatchdog(spec);
  return {
    site: spec.name,
    hostname: checkName('hostname', director.hostname, `${at}/hostname`),
    mode,
    ...resolveInterfaces(director, at, spec.hardware?.carrierWait ?? DEFAULTS.carrierWait),
    vips: resolveVips(spec, director, at),
    ipvs,
    netfilter: formatIptablesTables(director.netfilter),
    sysctls: resolveSysctls(director, pair),
    access,
    pair,
    daemons: directorDaemons({ mode, access, watchdog }),
    // Each program of the table (src/packages/programs.ts): its version where this director runs it.
    programs: { ipvsadm: spec.ipvsadm.version, ...programVersions(spec, { mode, access, watchdog }) },
    counts: {
      services: ipvs.services.length,
      realServers: ipvs.services.reduce((n, s) => n + s.dests.length, 0),
    },
    modules: directorModules(spec, director),
    coldplug: coldplugModules(spec),
    cmdline: planCmdline(spec),
    watchdog,
  };
}

/** hardware.watchdog with its defaults; null with `watchdog: false`. */
export function resolveWatchdog(spec: Spec): ModelWatchdog | null {
  const w = spec.hardware?.watchdog ?? {};
  if (w === false) return null;
  return {
    timeoutS: w.timeout ?? DEFAULTS.watchdog.timeout,
    feedS: w.interval ?? DEFAULTS.watchdog.interval,
  };
}
