/**
 * `planImage(spec)`: everything a build will do, decided up front, pure and JSON-serializable.
 * Stages consume the plan; `lvs-image plan SPEC` prints it and `build --dry-run` stops after it.
 */
import { resolveDirector } from './director/resolve.js';
import type { DirectorModel } from './director/types.js';
import { directorFiles, pxelinuxMacName } from './layout.js';
import { DEFAULTS } from './spec/defaults.js';
import { PROGRAMS, type ProgramName } from './packages/programs.js';
import type { DirectorMode } from './spec/health-check.js';
import { DEFAULT_PROGRAM_LINK, usedPin, type ProgramLink } from './stages/program/definition.js';
import type { Compression, Director, KernelOptionMode, KernelProfile, Spec } from './spec/types.js';
import { planDirectorFiles } from './stages/render.js';

/** One director: its rendered files, modules, outputs and kernel command line. */
export interface DirectorPlan {
  hostname: string;
  /** The resolved director (src/director/): what every other field, the views and the release records read. */
  model: DirectorModel;
  /** MACs of its interfaces, lowercase with colons (the per-MAC PXE configs). */
  macs: string[];
  /** Files rendered into its root filesystem (template, data, target path, mode). */
  files: ReturnType<typeof planDirectorFiles>;
  /** Who writes the IPVS table: /init from ipvsadm rules, or keepalived (health checks). */
  mode: DirectorMode;
  /** Kernel modules /init loads, in order; empty when IPVS is built in. */
  modules: string[];
  /** NIC modules the image carries for /init's coldplug (src/director/types.ts). */
  coldplug: string[];
  /** Host programs the root filesystem needs beyond busybox and ipvsadm (iptables when netfilter rules exist). */
  extraBinaries: string[];
  /** Published paths relative to the site root (src/layout.ts). */
  outputs: ReturnType<typeof directorFiles>;
  /** The kernel command line, one line (rdinit=/init is the kernel's default for an initramfs). */
  cmdline: string;
  services: number;
  realServers: number;
}

/** A program of the table (src/packages/programs.ts) the build makes: its release and link. */
export interface ProgramPlan {
  version: string;
  link: ProgramLink;
  /** Hostnames of the directors that run it (its binaries go into their roots, its section into their manifests). */
  directors: string[];
}

/**
 * The whole build of one site. Each program of the table has a field of its name: its plan when some director
 * runs it, null otherwise (a pin alone builds nothing).
 */
export type BuildPlan = {
  site: string;
  kernel: {
    version: string;
    profile: KernelProfile;
    options: KernelOptionMode;
    provider: 'source' | 'prebuilt';
  };
  ipvsadm: { version: string; link: 'static' | 'dynamic' };
  image: { compression: Compression; epoch: number };
  directors: DirectorPlan[];
  /** Site-level files of the servable root, relative paths (bootloaders, menus, scripts). */
  pxe: string[];
} & Record<ProgramName, ProgramPlan | null>;

/** Each program's plan, by name, in the table's order. */
function planPrograms(
  spec: Spec,
  directors: readonly DirectorPlan[],
): Record<ProgramName, ProgramPlan | null> {
  const plans = PROGRAMS.map((p) => {
    const pin = usedPin(spec, p);
    const on = directors.filter((d) => p.runsOn(d.model)).map((d) => d.hostname);
    const link = pin?.link ?? DEFAULT_PROGRAM_LINK;
    return [p.name, pin === undefined ? null : { version: pin.version, link, directors: on }];
  });
  return Object.fromEntries(plans) as Record<ProgramName, ProgramPlan | null>;
}

/** Inputs that come from outside the spec (the CLI reads SOURCE_DATE_EPOCH and passes it here). */
export interface PlanOverrides {
  epoch?: number;
}

/** Host programs a director's rendered files call, beyond busybox and ipvsadm (a table, by target path). */
const FILE_NEEDS: Readonly<Record<string, string[]>> = {
  // restore for /init; list and save for whoever checks the rules on the console (boot-test does).
  '/etc/iptables.rules': ['iptables-legacy-restore', 'iptables-legacy', 'iptables-legacy-save'],
};

function planDirector(spec: Spec, director: Director): DirectorPlan {
  const model = resolveDirector(spec, director);
  const files = planDirectorFiles(model);
  return {
    hostname: model.hostname,
    model,
    macs: model.interfaces.flatMap((i) => (i.mac !== null ? [i.mac] : [])),
    files,
    mode: model.mode,
    modules: model.modules,
    coldplug: model.coldplug,
    extraBinaries: files.flatMap((f) => FILE_NEEDS[f.path] ?? []),
    outputs: directorFiles(model.hostname),
    cmdline: model.cmdline,
    services: model.counts.services,
    realServers: model.counts.realServers,
  };
}

/** Site-level files of the servable root, in a fixed order. */
function planPxe(directors: readonly DirectorPlan[]): string[] {
  const macFiles = directors.flatMap((d) => d.macs.map((m) => `pxelinux.cfg/${pxelinuxMacName(m)}`));
  return [
    'pxelinux.0',
    'ldlinux.c32',
    'undionly.kpxe',
    'ipxe.efi',
    'snponly.efi',
    'grubnetx64.efi',
    'pxelinux.cfg/default',
    ...macFiles,
    'grub/grub.cfg',
    'boot.ipxe',
    ...directors.map((d) => d.outputs.ipxe),
  ];
}

/** Plans the build of `spec` (defaults applied); pure and synchronous. */
export function planImage(spec: Spec, overrides: PlanOverrides = {}): BuildPlan {
  const directors = spec.directors.map((d) => planDirector(spec, d));
  return {
    site: spec.name,
    kernel: {
      version: spec.kernel.version,
      profile: spec.kernel.profile ?? DEFAULTS.kernelProfile,
      options: spec.kernel.options ?? DEFAULTS.kernelOptions,
      provider: spec.kernel.prebuilt !== undefined ? 'prebuilt' : 'source',
    },
    ipvsadm: { version: spec.ipvsadm.version, link: spec.ipvsadm.link ?? DEFAULTS.ipvsadmLink },
    ...planPrograms(spec, directors),
    image: {
      compression: spec.image?.compression ?? DEFAULTS.compression,
      epoch: overrides.epoch ?? spec.image?.epoch ?? DEFAULTS.epoch,
    },
    directors,
    pxe: planPxe(directors),
  };
}
