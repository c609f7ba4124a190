/**
 * A director's manifest.json: what is in the image and what it was built from. Deterministic by design (no
 * timestamps, no absolute temporary paths), so two builds of the same inputs give byte-identical manifests.
 * Each program of the table (src/packages/programs.ts) adds its section under its `manifestKey`.
 */
import { formatIpvsVersion, type IpvsadmArtifacts, type KernelArtifacts } from '../context.js';
import { PROGRAMS } from '../packages/programs.js';
import type { BuildPlan, DirectorPlan } from '../plan.js';
import type { ProgramArtifacts } from './program/definition.js';
import type { FirmwareManifest } from './firmware/record.js';

/** Build inputs that are not in the spec. */
export interface ManifestInputs {
  specFile: string;
  specSha256: string;
  lockSha256: string | undefined;
  /** First line of `gcc --version`, or undefined when nothing was compiled. */
  compiler: string | undefined;
  lvsImageVersion: string;
}

/** What a director's manifest is made of. */
export interface ManifestSource {
  plan: BuildPlan;
  director: DirectorPlan;
  kernel: KernelArtifacts;
  ipvsadm: IpvsadmArtifacts;
  /** The built programs by name; null for one no director runs. */
  programs: Readonly<Record<string, ProgramArtifacts | null>>;
  /** Firmware files, what was left out, microcode and the packages' licences; null: no firmware step ran. */
  firmware?: FirmwareManifest | null;
  /** sha256 of every published file of this director, keyed by path relative to the site root. */
  files: Record<string, string>;
  inputs: ManifestInputs;
}

/** Each program's section: its definition's, where this director runs it; null elsewhere. */
function programSections(m: ManifestSource): Record<string, unknown> {
  return Object.fromEntries(
    PROGRAMS.map((p) => {
      const built = m.programs[p.name] ?? null;
      const runs = built !== null && m.plan[p.name]?.directors.includes(m.director.hostname) === true;
      return [p.manifestKey, runs ? p.manifest(built, m.director.model) : null];
    }),
  );
}

/** The manifest of one director, ready for JSON.stringify. Pure. */
export function buildManifest(m: ManifestSource): object {
  const { plan, director, kernel, ipvsadm, inputs } = m;
  const files = Object.fromEntries(Object.entries(m.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    site: plan.site,
    hostname: director.hostname,
    files,
    kernel: {
      version: plan.kernel.version,
      release: kernel.release,
      profile: plan.kernel.profile,
      options: plan.kernel.options,
      origin: kernel.origin,
      sourceSha256: kernel.sourceSha256,
      ipvsVersion: formatIpvsVersion(kernel.ipvsVersionCode),
    },
    ipvsadm: {
      version: ipvsadm.version,
      link: plan.ipvsadm.link,
      versionLine: ipvsadm.versionLine,
      ipvsVersion: formatIpvsVersion(ipvsadm.ipvsVersionCode),
    },
    mode: director.mode,
    ...programSections(m),
    modules: director.modules,
    firmware: m.firmware ?? null,
    cmdline: director.cmdline,
    spec: { file: inputs.specFile, sha256: inputs.specSha256 },
    lock: inputs.lockSha256 !== undefined ? { sha256: inputs.lockSha256 } : null,
    build: {
      compression: plan.image.compression,
      epoch: plan.image.epoch,
      compiler: inputs.compiler ?? null,
      lvsImage: inputs.lvsImageVersion,
    },
  };
}

/** Serializes a manifest: two-space JSON with a final newline. */
export function formatManifest(manifest: object): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}
