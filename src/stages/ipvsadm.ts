/**
 * Stage: provide an ipvsadm binary matched to the kernel's IPVS version.
 * Steps: catalog → source (verified sha256) → header check (before building) → build (cached) → probe check.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IpvsadmArtifacts, KernelArtifacts, StageIo } from '../context.js';
import { formatIpvsVersion } from '../context.js';
import { BuildError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { readTarMembers } from '../lib/tar.js';
import { findIpvsadmRelease, type IpvsadmRelease } from '../packages/ipvsadm.js';
import type { Spec } from '../spec/types.js';
import { planIpvsadmBuild } from './ipvsadm/build-plan.js';
import { buildIpvsadm } from './ipvsadm/build.js';
import { KERNEL_IPVS_HEADERS, describeIpvsMismatch, parseIpvsVersionCode } from './ipvsadm/ipvs-version.js';
import type { FetchedSource } from './ipvsadm/source.js';
import { provideSpecSource, type ProvidedSource } from './sources.js';
import { describeOrigin } from './sources/origin.js';

// The boot test checks the real `ipvsadm --version` line in a guest (the host has no IPVS) with these.
export {
  parseIpvsadmVersion,
  verifyIpvsadmVersionLine,
  type IpvsadmVersionInfo,
} from './ipvsadm/ipvs-version.js';

/** The header ipvsadm will compile against: where it was read, its IPVS code, and its text hash. */
export interface IpvsadmHeader {
  file: string;
  code: number;
  sha256: string;
}

/** Reads IP_VS_VERSION_CODE from the header the ipvsadm build will use (bundled, or the kernel's for ≤1.24). */
export async function readIpvsadmHeader(
  release: IpvsadmRelease,
  source: FetchedSource,
  headersDir: string | undefined,
): Promise<IpvsadmHeader> {
  let found: { file: string; text: string } | undefined;
  if (release.ipvsHeader.from === 'kernel') {
    if (headersDir === undefined) {
      throw new BuildError(
        `ipvsadm ${release.version} compiles against the kernel's ${release.ipvsHeader.path}, but the kernel stage gave no headers folder`,
        {
          hint: 'build the kernel from source (kernel.source) so its tree can serve as headers, or use ipvsadm >= 1.25 (bundled header)',
        },
      );
    }
    const candidates = [release.ipvsHeader.path, ...KERNEL_IPVS_HEADERS];
    for (const rel of candidates) {
      const file = path.join(headersDir, rel);
      const text = await readFile(file, 'utf8').catch(() => null);
      if (text !== null && parseIpvsVersionCode(text) !== null) {
        found = { file, text };
        break;
      }
    }
  } else if (source.isDirectory) {
    const file = path.join(source.path, release.ipvsHeader.path);
    found = { file, text: await readFile(file, 'utf8') };
  } else {
    const suffix = `/${release.ipvsHeader.path}`;
    const members = await readTarMembers(
      source.path,
      (n) => n.endsWith(suffix) && n.split('/').length === suffix.split('/').length,
      (f) => f.size > 0,
    );
    const [name, buf] = [...members][0] ?? [];
    if (name !== undefined && buf !== undefined)
      found = { file: `${source.path}:${name}`, text: buf.toString('utf8') };
  }
  const code = found ? parseIpvsVersionCode(found.text) : null;
  if (!found || code === null) {
    throw new BuildError(
      `no IP_VS_VERSION_CODE found in ${found?.file ?? release.ipvsHeader.path} for ipvsadm ${release.version}`,
    );
  }
  return { file: found.file, code, sha256: sha256(found.text) };
}

function matchOrWarn(message: string | null, io: StageIo, allow: boolean): void {
  if (message === null) return;
  if (!allow) {
    throw new BuildError(message, {
      hint: "pin an ipvsadm built for the kernel's IPVS version, or pass --allow-ipvs-mismatch to build anyway (not recommended)",
    });
  }
  io.log(`WARNING (--allow-ipvs-mismatch): ${message}`);
}

/** Builds (or reuses) the spec's ipvsadm and checks it against the kernel's IPVS version, before and after building. */
export async function provideIpvsadm(
  spec: Spec,
  kernel: Pick<KernelArtifacts, 'ipvsVersionCode' | 'release' | 'headersDir'>,
  io: StageIo,
  opts: { logFile: string; allowIpvsMismatch?: boolean; specDir?: string; source?: ProvidedSource },
): Promise<IpvsadmArtifacts> {
  const release = findIpvsadmRelease(spec.ipvsadm.version);
  const link = spec.ipvsadm.link ?? 'static';
  const got = opts.source ?? (await provideSpecSource(spec, 'ipvsadm', io, opts.specDir));
  if (got === undefined) throw new BuildError('internal: no ipvsadm source was provided');
  const source: FetchedSource = {
    path: got.path,
    isDirectory: got.isDirectory,
    sha256: got.sha256,
    origin: describeOrigin(got.origin),
  };
  const header = await readIpvsadmHeader(release, source, kernel.headersDir);
  const pair = {
    kernelRelease: kernel.release,
    kernelCode: kernel.ipvsVersionCode,
    ipvsadmVersion: release.version,
  };
  matchOrWarn(
    describeIpvsMismatch({ ...pair, ipvsadmCode: header.code, ipvsadmCodeFrom: header.file }),
    io,
    opts.allowIpvsMismatch === true,
  );
  const plan = planIpvsadmBuild(release, link, kernel.headersDir);
  if (plan === null)
    throw new BuildError(`ipvsadm ${release.version} needs kernel headers (kernel.headersDir)`);
  const built = await buildIpvsadm({
    plan,
    source,
    ...(release.ipvsHeader.from === 'kernel' ? { kernelHeaderHash: header.sha256 } : {}),
    io,
    logFile: opts.logFile,
  });
  io.log(`ipvsadm ${release.version}: ${built.versionLine}${built.cacheHit ? ' (cached)' : ''}`);
  const probeFrom = 'the built binary (probe compiled with its flags)';
  matchOrWarn(
    describeIpvsMismatch({ ...pair, ipvsadmCode: built.ipvsVersionCode, ipvsadmCodeFrom: probeFrom }),
    io,
    opts.allowIpvsMismatch === true,
  );
  if (built.ipvsVersionCode !== header.code) {
    io.log(
      `WARNING: the header said IPVS ${formatIpvsVersion(header.code)} but the probe says ${formatIpvsVersion(built.ipvsVersionCode)}`,
    );
  }
  return {
    version: release.version,
    binary: built.binary,
    ipvsVersionCode: built.ipvsVersionCode,
    versionLine: built.versionLine,
    libraries: built.libraries,
  };
}
