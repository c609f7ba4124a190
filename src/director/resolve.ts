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
import type { DirectorModel } from './types.js';

/**
 * The kernel command line of every director of the spec: one `console=` per spec console, in spec order (the
 * kernel prints to all of them; the last one is /dev/console, where /init speaks), then the spec's words.
 */
export function planCmdline(spec: Spec): string {
  const consoles = spec.image?.console;
  const list = consoles === undefined ? [] : typeof consoles === 'string' ? [consoles] : consoles;
  return [...list.map((c) => `console=${c}`), ...(spec.image?.cmdline ?? [])].join(' ');
}

/** sysctls as /etc/sysctl.conf sets them: IP forwarding first (a director forwards), then the spec's. */
function resolveSysctls(director: Director): { key: string; value: string }[] {
  const own = Object.entries(director.sysctls ?? {})
    .filter(([key]) => key !== 'net.ipv4.ip_forward')
    .map(([key, value]) => ({ key, value: String(value) }));
  return [{ key: 'net.ipv4.ip_forward', value: '1' }, ...own];
}

/** Resolves `director` (one of `spec.directors`, defaults applied) into its model. */
export function resolveDirector(spec: Spec, director: Director): DirectorModel {
  const d = spec.directors.indexOf(director);
  const at = `/directors/${d < 0 ? 0 : d}`;
  const mode = directorMode(spec, director);
  const access = resolveAccess(spec, director, mode);
  const ipvs = resolveIpvs(spec, director);
  return {
    site: spec.name,
    hostname: checkName('hostname', director.hostname, `${at}/hostname`),
    mode,
    ...resolveInterfaces(director, at, spec.hardware?.carrierWait ?? DEFAULTS.carrierWait),
    vips: resolveVips(spec, director, at),
    ipvs,
    netfilter: formatIptablesTables(director.netfilter),
    sysctls: resolveSysctls(director),
    access,
    pair: resolvePair(spec, director),
    daemons: directorDaemons({ mode, access }),
    // Each program of the table (src/packages/programs.ts): its version where this director runs it.
    programs: { ipvsadm: spec.ipvsadm.version, ...programVersions(spec, { mode, access }) },
    counts: {
      services: ipvs.services.length,
      realServers: ipvs.services.reduce((n, s) => n + s.dests.length, 0),
    },
    modules: directorModules(spec, director),
    coldplug: coldplugModules(spec),
    cmdline: planCmdline(spec),
  };
}
