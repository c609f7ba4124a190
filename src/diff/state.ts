/**
 * A director's state as an operator compares it: kernel options (with the fragment's reasons), program versions,
 * the IPVS table in ipvsadm terms, netfilter rules, sysctls, interfaces and VIPs, and the files of its root
 * filesystem. `lvs-image diff` compares two of these; the build publishes one per director
 * (`<hostname>/state.json`) so a release can be compared without its spec. Pure.
 */
import { sha256 } from '../lib/fs.js';
import { readFile } from 'node:fs/promises';
import type { RootfsEntry } from '../lib/cpio.js';
import type { RenderedFile } from '../context.js';
import { bootExpectation } from '../boot-test/expectation.js';
import type { BootExpectation } from '../boot-test/checks.js';
import type { ProgramPins, Spec } from '../spec/types.js';
import { generateKernelFragment, type KernelFragment } from '../stages/kernel-config.js';
import { formatDestLine, formatServiceLine, serviceSwitch } from '../director/ipvsadm-rules.js';
import type { DirectorModel, ModelIpvs } from '../director/types.js';

/** Bumped when the shape of DirectorState changes; diff refuses states of another version. */
export const STATE_VERSION = 1;

/** One virtual service: its `-A` options and its destinations' `-a` options, keyed as ipvsadm names them. */
export interface ServiceState {
  /** The service options after the switch, e.g. `-s wlc -p 360`. */
  options: string;
  /** Destination `address:port` → its options, e.g. `-m -w 1`, plus ` -x 100 -y 50` for thresholds. */
  members: Record<string, string>;
}

/** One file of the root filesystem. */
export interface FileState {
  size: number;
  sha256: string;
  mode: string;
}

/**
 * Each program of the table's version (src/packages/programs.ts), null where the director runs none; absent in
 * states of builds older than the program (dropbear, busybox).
 */
export type ProgramStates = Partial<Record<keyof ProgramPins, string | null>>;

/** Everything `diff` compares for one director. */
export interface DirectorState extends ProgramStates {
  stateVersion: number;
  hostname: string;
  /** What the spec pins (`6.1`), and what was built (`6.1.192`, null for a spec that was not built). */
  kernel: { version: string; release: string | null };
  ipvsadm: string;
  /** Who writes the IPVS table. */
  mode: string;
  /** CONFIG_ symbol (without the prefix) → value and the reasons the fragment gives. */
  kernelOptions: Record<string, { value: string; reasons: string[] }>;
  /** Service switch (`-t 10.10.31.100:80`, `-f 1`) → the service. */
  services: Record<string, ServiceState>;
  /** iptables-restore lines per table, `*mangle` → `-A PREROUTING ...` lines. */
  netfilter: Record<string, string[]>;
  sysctls: Record<string, string>;
  /** Interface name → `address/prefix`, plus ` mac M` and ` gateway G` where set. */
  interfaces: Record<string, string>;
  /** VIP address → `on IF` (`label L`) or `floating on IF (pair)` for a pair's addresses. */
  vips: Record<string, string>;
  /** Root filesystem path → file; rendered files only for a spec, every file for a built release. */
  files: Record<string, FileState>;
  /** True when `files` holds every file of the root filesystem (a built release). */
  filesComplete: boolean;
  /**
   * What a boot of this image must show (src/boot-test/expectation.ts), from the files the build rendered into
   * it; boot-test reads it from the release. Absent in states of older builds; diff does not compare it.
   */
  boot?: BootExpectation;
}

/** Facts only a build knows, merged into a spec's state when the build publishes it. */
export interface BuildFacts {
  kernelRelease: string;
  files: Record<string, FileState>;
  /** The spec's kernel fragment as the build made it (once per build). */
  kernelFragment: KernelFragment;
}

/** Octal mode text, e.g. `0755`. */
export function modeText(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function serviceStates(ipvs: ModelIpvs): Record<string, ServiceState> {
  const thresholds = new Map(
    ipvs.thresholds.map((l) => {
      const m = /^-e (.* -r \S+) .* (-x \d+ -y \d+)$/.exec(l);
      return [m?.[1] ?? l, m?.[2] ?? ''] as const;
    }),
  );
  const out: Record<string, ServiceState> = {};
  for (const svc of ipvs.services) {
    const sw = serviceSwitch(svc);
    const members: Record<string, string> = {};
    for (const dest of svc.dests) {
      const line = formatDestLine(svc, dest, ipvs.ipvsadm.dialect);
      const target = `${dest.address}:${dest.port}`;
      const extra = thresholds.get(`${sw} -r ${target}`);
      members[target] =
        line.slice(line.indexOf(` -r ${target} `) + ` -r ${target} `.length) + (extra ? ` ${extra}` : '');
    }
    out[sw] = { options: formatServiceLine(svc).slice(`-A ${sw} `.length), members };
  }
  return out;
}

/** The state of a director as `spec` and its model describe it, with the rendered files of its root; pure. */
export function directorStateFromSpec(
  spec: Spec,
  model: DirectorModel,
  rendered: readonly RenderedFile[],
  facts?: BuildFacts,
): DirectorState {
  const fragment = facts?.kernelFragment ?? generateKernelFragment(spec);
  const interfaces = Object.fromEntries(
    model.interfaces.map((i) => [
      i.name,
      `${i.cidr}${i.mac !== null ? ` mac ${i.mac}` : ''}${i.gateway !== null ? ` gateway ${i.gateway}` : ''}`,
    ]),
  );
  const vips: Record<string, string> = Object.fromEntries([
    ...model.vips
      .filter((v) => !v.floating)
      .map((v): [string, string] => [
        v.address,
        `on ${v.interface}${v.label !== null ? ` label ${v.label}` : ''}`,
      ]),
    ...model.vips
      .filter((v) => v.floating)
      .map((v): [string, string] => [v.address, `floating on ${v.interface} (pair)`]),
  ]);
  const renderedFiles = Object.fromEntries(
    rendered.map((f) => [
      f.path,
      { size: Buffer.byteLength(f.content), sha256: sha256(f.content), mode: modeText(f.mode) },
    ]),
  );
  return {
    stateVersion: STATE_VERSION,
    hostname: model.hostname,
    kernel: { version: spec.kernel.version, release: facts?.kernelRelease ?? null },
    // ipvsadm, then each program of the table in its order.
    ...model.programs,
    mode: model.mode,
    kernelOptions: Object.fromEntries(
      fragment.lines.map((l) => [l.symbol, { value: l.value, reasons: l.reasons }]),
    ),
    services: serviceStates(model.ipvs),
    netfilter: Object.fromEntries(model.netfilter.map((t) => [`*${t.name}`, [...t.chains, ...t.rules]])),
    sysctls: Object.fromEntries(model.sysctls.map((s) => [s.key, s.value])),
    interfaces,
    vips,
    files: facts?.files ?? renderedFiles,
    filesComplete: facts !== undefined,
    boot: bootExpectation(model, rendered),
  };
}

/** The files of a root filesystem as a state lists them (symlinks as `-> target`, mode `link`); reads host files. */
export async function rootfsFileStates(entries: readonly RootfsEntry[]): Promise<Record<string, FileState>> {
  const out: [string, FileState][] = [];
  for (const e of entries) {
    if (e.type === 'symlink') {
      out.push([e.path, { size: e.target.length, sha256: sha256(e.target), mode: 'link' }]);
    } else if (e.type === 'file') {
      const data = e.data instanceof Uint8Array ? e.data : await readFile(e.data.file);
      out.push([e.path, { size: data.length, sha256: sha256(data), mode: modeText(e.mode) }]);
    }
  }
  return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Serializes a state: two-space JSON with a final newline (deterministic: keys in insertion order). */
export function formatState(state: DirectorState): string {
  return JSON.stringify(state, null, 2) + '\n';
}
