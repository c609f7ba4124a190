/**
 * What `lvs-image boot-test` checks for each director of a spec: what the build published as that image's boot
 * expectation (`<hostname>/state.json`, computed from the files it rendered into the image, src/boot-test/
 * expectation.ts), and the NICs QEMU gives the guest. The plan is pure; `readExpectations` reads the release.
 */
import path from 'node:path';
import { readDirectorState } from '../diff/load.js';
import { resolveDirector } from '../director/resolve.js';
import type { ModelInterface } from '../director/types.js';
import { directorFiles } from '../layout.js';
import { SpecError } from '../lib/errors.js';
import type { Spec } from '../spec/types.js';
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

/** The director's NICs in the order the guest names them (eth0, eth1, ...); the inside one PXE-boots. */
export function guestInterfaces(
  interfaces: readonly Pick<ModelInterface, 'name' | 'role' | 'mac'>[],
): GuestInterface[] {
  const sorted = [...interfaces].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const boot = sorted.find((i) => i.role === 'inside') ?? sorted[0];
  return sorted.map((i) => ({
    name: i.name,
    ...(i.mac !== null ? { mac: i.mac } : {}),
    ...(i === boot ? { boot: true } : {}),
  }));
}

/**
 * The boot expectation of every director of `spec`, as its build published it in the site root `root`; a state
 * of an older build (without one) or of another director is an error naming the file.
 */
export async function readExpectations(root: string, spec: Spec): Promise<Map<string, BootExpectation>> {
  const out = new Map<string, BootExpectation>();
  for (const d of spec.directors) {
    const file = path.join(root, directorFiles(d.hostname).state);
    const state = await readDirectorState(file);
    if (state.hostname !== d.hostname)
      throw new SpecError({
        file,
        message: `the state of ${state.hostname}, not of ${d.hostname}`,
        hint: 'rebuild the spec (lvs-image build) into this output folder',
      });
    if (state.boot === undefined)
      throw new SpecError({
        file,
        message: 'has no boot expectation: this release was built before lvs-image published one',
        hint: 'rebuild the spec (lvs-image build): boot-test checks the image against what its build published',
      });
    out.set(d.hostname, state.boot);
  }
  return out;
}

/** Every boot `boot-test` runs for `spec`, director by director, in the order of `vias`, held to `published`. */
export function planBootTests(
  spec: Spec,
  vias: readonly BootVia[],
  outDir: string,
  published: ReadonlyMap<string, BootExpectation>,
): BootTestPlan[] {
  return spec.directors.flatMap((director) => {
    const expected = published.get(director.hostname);
    if (expected === undefined)
      throw new SpecError({
        message: `no published boot expectation for ${director.hostname}`,
        hint: 'rebuild the spec (lvs-image build) into this output folder',
      });
    const interfaces = guestInterfaces(resolveDirector(spec, director).interfaces);
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
