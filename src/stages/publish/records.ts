/**
 * The release records of a build, from one pure function: each director's manifest.json and state.json (what
 * `lvs-image diff` compares), and the site files programs add to (known_hosts: every director's public host
 * key). The build step hashes the published files and reads the root filesystems first; this decides the bytes.
 */
import type { IpvsadmArtifacts, KernelArtifacts, RenderedFile } from '../../context.js';
import { directorStateFromSpec, formatState, type FileState } from '../../diff/state.js';
import { PROGRAMS } from '../../packages/programs.js';
import type { BuildPlan } from '../../plan.js';
import type { Spec } from '../../spec/types.js';
import type { KernelFragment } from '../kernel-config.js';
import { buildManifest, formatManifest, type ManifestInputs } from '../manifest.js';
import type { ProgramArtifacts } from '../program/definition.js';
import type { FirmwareManifest } from '../firmware/record.js';

/** Everything the records are made of. */
export interface ReleaseFacts {
  spec: Spec;
  plan: BuildPlan;
  fragment: KernelFragment;
  kernel: KernelArtifacts;
  ipvsadm: IpvsadmArtifacts;
  programs: Readonly<Record<string, ProgramArtifacts | null>>;
  rendered: Readonly<Record<string, RenderedFile[]>>;
  /** Per director: the manifest's firmware section (src/stages/firmware.ts); absent: no firmware step ran. */
  firmware?: Readonly<Record<string, FirmwareManifest>>;
  /** Per director: sha256 of its published outputs (kernel, initrd, cmdline, iPXE script) by site-root path. */
  outputs: Readonly<Record<string, Record<string, string>>>;
  /** Per director: every file of its root filesystem as a state lists it. */
  rootfsFiles: Readonly<Record<string, Record<string, FileState>>>;
  inputs: ManifestInputs;
}

/** One file of the release, relative to the site root. */
export interface ReleaseRecord {
  path: string;
  text: string;
}

/** The release records, in a fixed order: per director its manifest then its state, then the site files. Pure. */
export function releaseRecords(f: ReleaseFacts): ReleaseRecord[] {
  const out: ReleaseRecord[] = [];
  const site = new Map<string, string[]>();
  for (const d of f.plan.directors) {
    const manifest = buildManifest({
      plan: f.plan,
      director: d,
      kernel: f.kernel,
      ipvsadm: f.ipvsadm,
      programs: f.programs,
      firmware: f.firmware?.[d.hostname] ?? null,
      files: f.outputs[d.hostname] ?? {},
      inputs: f.inputs,
    });
    out.push({ path: d.outputs.manifest, text: formatManifest(manifest) });
    const state = directorStateFromSpec(f.spec, d.model, f.rendered[d.hostname] ?? [], {
      kernelRelease: f.kernel.release,
      files: f.rootfsFiles[d.hostname] ?? {},
      kernelFragment: f.fragment,
    });
    out.push({ path: d.outputs.state, text: formatState(state) });
    for (const p of PROGRAMS) {
      const built = f.programs[p.name] ?? null;
      const runs = f.plan[p.name]?.directors.includes(d.hostname) === true;
      if (p.siteFile === undefined || built === null || !runs) continue;
      site.set(p.siteFile.path, [...(site.get(p.siteFile.path) ?? []), p.siteFile.lines(built, d.model)]);
    }
  }
  for (const [path, lines] of site) out.push({ path, text: lines.join('') });
  return out;
}
