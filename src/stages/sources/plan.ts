/**
 * Which sources a spec needs, as requests to the store: the spec's (and catalog's) places and pins, or, for a
 * frozen build, exactly the bytes and versions the lock names. Pure.
 */
import path from 'node:path';
import { SpecError, type Problem } from '../../lib/errors.js';
import { findIpvsadmRelease } from '../../packages/ipvsadm.js';
import { findRelease } from '../../packages/program.js';
import { PROGRAMS, type ProgramName } from '../../packages/programs.js';
import { usedPin } from '../program/definition.js';
import type { SourceRef, Spec } from '../../spec/types.js';
import type { ProgramRelease } from '../../packages/program.js';
import { planProgramSource, type ProgramPin } from '../program/source.js';
import type { Lock, LockedSource } from '../lock/lock-file.js';
import type { SourceRequest } from './origin.js';
import { planFirmware } from '../firmware/packages.js';

/** Where Debian's linux-source-X.Y package puts its tarball. */
export function debianKernelMember(pkg: string): string {
  return `/usr/src/${pkg}.tar.xz`;
}

function kernelRequest(ref: SourceRef, specDir: string): SourceRequest {
  const pointer = '/kernel/source';
  if ('debian' in ref)
    return {
      name: 'kernel',
      pointer,
      sha256: null,
      from: { kind: 'debian-binary', package: ref.debian, member: debianKernelMember(ref.debian) },
    };
  if ('url' in ref) {
    const file = decodeURIComponent(new URL(ref.url).pathname.split('/').pop() ?? '') || 'linux.tar';
    return {
      name: 'kernel',
      pointer,
      sha256: ref.sha256.toLowerCase(),
      from: { kind: 'url', file, urls: [ref.url, ...(ref.mirrors ?? [])] },
    };
  }
  return {
    name: 'kernel',
    pointer,
    sha256: ref.sha256?.toLowerCase() ?? null,
    from: { kind: 'path', path: path.resolve(specDir, ref.path) },
    hashFolder: false,
  };
}

/** The source request of a program built from pinned source (ipvsadm, keepalived, dropbear, busybox): spec pin or catalog default. */
export function programRequest(
  name: string,
  pin: ProgramPin,
  release: ProgramRelease,
  specDir: string,
): SourceRequest {
  const plan = planProgramSource(name, pin, release, specDir);
  const pointer = `/${name}/source`;
  if (plan.kind === 'url')
    return { name, pointer, sha256: plan.sha256, from: { kind: 'url', file: plan.file, urls: plan.urls } };
  if (plan.kind === 'path')
    return { name, pointer, sha256: plan.sha256, from: { kind: 'path', path: plan.path } };
  return {
    name,
    pointer,
    sha256: plan.expectedSha256,
    from: { kind: 'debian-source', package: plan.package, upstreamVersion: plan.version },
  };
}

/**
 * The names of the sources a build can need, in the order they are got; `firmware` stands for the firmware and
 * microcode packages, each a source named by its Debian package.
 */
export type SourceName = 'kernel' | 'ipvsadm' | ProgramName | 'firmware';

/** Every source name, in order. */
export const SOURCE_NAMES: readonly SourceName[] = [
  'kernel',
  'ipvsadm',
  ...PROGRAMS.map((p) => p.name),
  'firmware',
];

/** The .deb of each firmware and microcode package the spec's image takes files from (src/stages/firmware/). */
export function firmwareRequests(spec: Spec): SourceRequest[] {
  const plan = planFirmware(spec);
  return [...plan.nic, ...plan.microcode].map((pkg) => ({
    name: pkg,
    pointer: '/hardware/firmware',
    sha256: null,
    from: { kind: 'debian-deb', package: pkg },
  }));
}

/**
 * The sources the spec names (all, or `only` these), pinned where the spec or catalog pins them (a kernel
 * from `prebuilt` has none).
 */
export function planSpecSources(
  spec: Spec,
  specDir = '.',
  only: readonly SourceName[] = SOURCE_NAMES,
): SourceRequest[] {
  const out: SourceRequest[] = [];
  if (only.includes('kernel') && spec.kernel.source !== undefined && spec.kernel.prebuilt === undefined)
    out.push(kernelRequest(spec.kernel.source, specDir));
  if (only.includes('ipvsadm'))
    out.push(programRequest('ipvsadm', spec.ipvsadm, findIpvsadmRelease(spec.ipvsadm.version), specDir));
  // keepalived, dropbear and busybox only when a director runs them (a pin alone builds nothing).
  for (const program of PROGRAMS) {
    const pin = usedPin(spec, program);
    if (!only.includes(program.name) || pin === undefined) continue;
    out.push(
      programRequest(
        program.name,
        pin,
        findRelease(program.catalog, pin.version, `/${program.name}/version`),
        specDir,
      ),
    );
  }
  if (only.includes('firmware')) out.push(...firmwareRequests(spec));
  return out;
}

function lockedSourceOf(lock: Lock, name: string): LockedSource | undefined {
  if (name === 'kernel') return lock.kernel.source ?? undefined;
  if (name === 'ipvsadm') return lock.ipvsadm.source;
  if (lock.firmware?.[name] !== undefined) return lock.firmware[name].source;
  return PROGRAMS.find((p) => p.name === name) !== undefined ? lock[name as ProgramName]?.source : undefined;
}

/**
 * A frozen build's requests: the spec's places, but the lock's bytes (sha256) and versions. Every source
 * the lock cannot pin (no sha256 recorded) is a problem, all reported at once.
 */
export function planSources(spec: Spec, specDir = '.', lock?: { lock: Lock; file: string }): SourceRequest[] {
  const requests = planSpecSources(spec, specDir);
  if (lock === undefined) return requests;
  const problems: Problem[] = [];
  const frozen = requests.map((req) => {
    const locked = lockedSourceOf(lock.lock, req.name);
    if (locked?.sha256 == null) {
      problems.push({
        file: lock.file,
        pointer: `/${req.name}/source/sha256`,
        message: `--frozen: the lock pins no sha256 for the ${req.name} source`,
        hint: 'run `lvs-image lock SPEC` on a machine that has the source',
      });
      return req;
    }
    return { ...req, sha256: locked.sha256, locked: locked.origin };
  });
  if (problems.length > 0) throw new SpecError(problems);
  return frozen;
}
