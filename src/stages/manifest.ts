/**
 * A director's manifest.json: what is in the image and what it was built from. Deterministic by design (no
 * timestamps, no absolute temporary paths), so two builds of the same inputs give byte-identical manifests.
 */
import { formatIpvsVersion, type IpvsadmArtifacts, type KernelArtifacts } from '../context.js';
import type { BuildPlan, DirectorPlan } from '../plan.js';
import type { BusyboxArtifacts } from './busybox.js';
import type { DropbearArtifacts, HostKey } from './dropbear.js';
import type { KeepalivedArtifacts } from './keepalived.js';

/** Build inputs that are not in the spec. */
export interface ManifestInputs {
  /** sha256 of every published file of this director, keyed by path relative to the site root. */
  files: Record<string, string>;
  specFile: string;
  specSha256: string;
  lockSha256: string | undefined;
  /** First line of `gcc --version`, or undefined when nothing was compiled. */
  compiler: string | undefined;
  lvsImageVersion: string;
}

/** A director's SSH server: the dropbear built, its host key, where it listens. */
export interface ManifestSsh {
  dropbear: DropbearArtifacts;
  link: 'static' | 'dynamic';
  hostKey: HostKey;
  listen: { address: string; port: number }[];
}

/** The manifest of one director, ready for JSON.stringify. */
export function buildManifest(
  plan: BuildPlan,
  director: DirectorPlan,
  kernel: KernelArtifacts,
  ipvsadm: IpvsadmArtifacts,
  keepalived: KeepalivedArtifacts | null,
  ssh: ManifestSsh | null,
  busybox: BusyboxArtifacts | null,
  inputs: ManifestInputs,
): object {
  const files = Object.fromEntries(
    Object.entries(inputs.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
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
    // keepalived -v as evidence of what was built in (Config options), only where this director runs it.
    keepalived:
      director.mode === 'keepalived' && keepalived !== null
        ? {
            version: keepalived.version,
            link: plan.keepalived?.link ?? 'static',
            sourceSha256: keepalived.sourceSha256,
            configOptions: keepalived.configOptions,
            versionText: keepalived.versionText.split('\n'),
          }
        : null,
    // The host key's public half and fingerprint (what operators compare on first login); the private half
    // is in the image and in the secrets folder, never here.
    ssh:
      ssh === null
        ? null
        : {
            dropbear: {
              version: ssh.dropbear.version,
              link: ssh.link,
              sourceSha256: ssh.dropbear.sourceSha256,
              versionLine: ssh.dropbear.versionLine,
            },
            hostKey: ssh.hostKey.publicKey,
            fingerprint: ssh.hostKey.fingerprint,
            listen: ssh.listen.map((l) => `${l.address}:${l.port}`),
          },
    // busybox built from source for applets busybox-static lacks (ntpd), and the NTP servers it uses.
    busybox:
      busybox === null
        ? null
        : {
            version: busybox.version,
            link: plan.busybox?.link ?? 'static',
            sourceSha256: busybox.sourceSha256,
            applets: busybox.applets,
          },
    modules: director.modules,
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
