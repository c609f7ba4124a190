/**
 * Real example images for tests that boot a director: images/<example>.yaml (with its lock) built by
 * `lvs-image build` into a temp folder. Warm, the site kernel and the programs come from the build cache
 * (.ci/run builds this image before the tests), so the build takes about a second and its kernel reaches the
 * ready line in 2-3 s, where the dev image (dev-image.ts: Debian's distro kernel, IPVS as modules) takes 12-25 s
 * on the loaded 2-core CI machine. Cold, the first build on a machine compiles the site kernel (minutes), as
 * pipeline-repro.test.ts does.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directorFiles } from '../../src/layout.js';
import type { GuestNic, NicBackend } from '../../src/lib/qemu-args.js';
import { loadSpec } from '../../src/spec/load.js';
import { ROOT, runCli } from './cli.js';

/** The host tools a build of the reference image needs (as pipeline-repro.test.ts). */
export const REFERENCE_NEEDS = ['make', 'gcc'] as const;

/** A published example image and what a test boots it with. */
export interface ReferenceImage {
  /** The copy of the example's spec the image was built from (its lock beside it). */
  specFile: string;
  /** The output folder the build published into (`--out`), holding the site folder. */
  out: string;
  /** The published site folder (`<out>/<site>`), as `lvs-image serve` and boot-test take it. */
  siteRoot: string;
  hostname: string;
  kernel: string;
  initrd: string;
  /** The kernel command line the build published (`<hostname>-cmdline`). */
  cmdline: string;
  /** The director's NIC MACs in the spec's order (its /init names the interfaces by them). */
  macs: string[];
  /** Removes the temp folder. */
  remove: () => void;
}

/**
 * Builds images/<example>.yaml (with its lock, when it has one) into a fresh temp folder; throws with the build's
 * stderr when the build fails. `edit` may change the spec's text before the build.
 */
export async function buildExampleImage(
  example: string,
  edit: (spec: string) => string = (s) => s,
): Promise<ReferenceImage> {
  const dir = mkdtempSync(path.join(tmpdir(), `lvs-${example}-image-`));
  const specFile = path.join(dir, `${example}.yaml`);
  writeFileSync(specFile, edit(readFileSync(path.join(ROOT, 'images', `${example}.yaml`), 'utf8')));
  const lock = path.join(ROOT, 'images', `${example}.lock`);
  if (existsSync(lock)) copyFileSync(lock, path.join(dir, `${example}.lock`));
  const out = path.join(dir, 'out');
  const r = runCli(['build', specFile, '--out', out], { timeoutMs: 20 * 60_000 });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`lvs-image build ${specFile} exited ${String(r.status)}:\n${r.stderr}`);
  }
  const { spec } = await loadSpec(specFile);
  const director = spec.directors[0];
  if (director === undefined) throw new Error(`${specFile}: no director`);
  const siteRoot = path.join(out, spec.name);
  const files = directorFiles(director.hostname);
  return {
    specFile,
    out,
    siteRoot,
    hostname: director.hostname,
    kernel: path.join(siteRoot, files.kernel),
    initrd: path.join(siteRoot, files.initrd),
    cmdline: readFileSync(path.join(siteRoot, files.cmdline), 'utf8').trim(),
    macs: director.interfaces.flatMap((i) => (i.mac === undefined ? [] : [i.mac])),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Builds images/dsas-lv1.yaml, the reference (see buildExampleImage). */
export function buildReferenceImage(): Promise<ReferenceImage> {
  return buildExampleImage('dsas-lv1');
}

/**
 * The guest NICs for a network boot of the reference director: its last NIC (eth1, the inside LAN the boot server
 * is on) boots from `boot`, e1000 with QEMU's iPXE ROM; the others are QEMU user networking (restrict=on). Each
 * carries the spec's MAC, so the site's boot.ipxe finds the director and its /init names every interface.
 */
export function bootNics(macs: readonly string[], boot: NicBackend): GuestNic[] {
  return macs.map((mac, i) =>
    i === macs.length - 1
      ? { backend: boot, model: 'e1000', mac, boot: true }
      : { backend: { kind: 'user' }, mac },
  );
}
