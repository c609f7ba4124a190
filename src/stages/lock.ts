/**
 * Stage: the lock file. `computeLock` resolves a spec's pins (hashing sources, reading IPVS versions from headers,
 * without building anything); `readLock`/`writeLock` load and store it; `checkLock` is `build --frozen`'s gate.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { StageIo } from '../context.js';
import { formatIpvsVersion } from '../context.js';
import { BuildError, SpecError } from '../lib/errors.js';
import { sha256, sha256File, writeFileAtomic } from '../lib/fs.js';
import { findIpvsadmRelease } from '../packages/ipvsadm.js';
import type { Spec } from '../spec/types.js';
import { readIpvsadmHeader } from './ipvsadm.js';
import { compilerVersion } from './ipvsadm/build.js';
import { fetchIpvsadmSource } from './ipvsadm/fetch.js';
import { describeIpvsMismatch } from './ipvsadm/ipvs-version.js';
import { planIpvsadmSource, type SourcePlan } from './ipvsadm/source.js';
import { readKernelSourceFacts } from './lock/kernel-facts.js';
import {
  LOCK_VERSION,
  diffLock,
  lockFileFor,
  parseLock,
  serializeLock,
  type Lock,
  type LockedIpvsadm,
} from './lock/lock-file.js';

export { diffLock, lockFileFor, serializeLock, type Lock } from './lock/lock-file.js';

/** Options of computeLock. */
export interface LockOptions {
  /** Folder relative source paths are resolved against (the spec's folder). */
  specDir?: string;
  /** Download nothing: record what the spec and catalog pin and what local files say; the rest is unknown. */
  offline?: boolean;
  /** Record a kernel/ipvsadm pair whose IPVS versions differ instead of refusing it. */
  allowIpvsMismatch?: boolean;
}

function offlineSource(plan: SourcePlan): { origin: string; sha256: string | null } {
  if (plan.kind === 'url') return { origin: plan.urls[0] ?? plan.file, sha256: plan.sha256 };
  if (plan.kind === 'debian') return { origin: `debian:${plan.package}`, sha256: plan.expectedSha256 };
  return { origin: plan.path, sha256: plan.sha256 };
}

/** Resolves the spec's kernel and ipvsadm pins into a Lock (see the module comment). */
export async function computeLock(spec: Spec, io: StageIo, opts: LockOptions = {}): Promise<Lock> {
  const kernel = await readKernelSourceFacts(spec.kernel, opts.specDir);
  const unknown = [...kernel.unknown];
  const release = findIpvsadmRelease(spec.ipvsadm.version);
  const plan = planIpvsadmSource(spec.ipvsadm, release, opts.specDir);
  let origin: string;
  let sourceSha: string | null;
  let code: number | null = null;
  let codeFrom: string | null = null;
  if (release.ipvsHeader.from === 'kernel') {
    [code, codeFrom] = [
      kernel.ipvsVersionCode,
      kernel.ipvsVersionFrom !== null ? `the kernel's headers: ${kernel.ipvsVersionFrom}` : null,
    ];
  }
  const local = plan.kind === 'path' && existsSync(plan.path);
  if (opts.offline === true && !local) {
    ({ origin, sha256: sourceSha } = offlineSource(plan));
    if (sourceSha === null) unknown.push('ipvsadm: no sha256 pinned and --offline downloads nothing');
    if (release.ipvsHeader.from === 'bundled' && release.ipvsHeader.ipvsVersionCode !== null) {
      [code, codeFrom] = [release.ipvsHeader.ipvsVersionCode, `catalog (bundled ${release.ipvsHeader.path})`];
    }
  } else {
    const source = await fetchIpvsadmSource(plan, io);
    [origin, sourceSha] = [source.origin, source.sha256];
    if (release.ipvsHeader.from === 'bundled') {
      [code, codeFrom] = [
        (await readIpvsadmHeader(release, source, undefined)).code,
        `${release.ipvsHeader.path} in the source`,
      ];
    }
  }
  if (code === null)
    unknown.push(
      `ipvsadm: IPVS version unknown (it comes from the ${release.ipvsHeader.from === 'kernel' ? "kernel's headers" : 'source'})`,
    );
  const kernelRelease = kernel.release ?? spec.kernel.version;
  if (kernel.ipvsVersionCode !== null && code !== null) {
    const pair = {
      kernelRelease,
      kernelCode: kernel.ipvsVersionCode,
      ipvsadmVersion: release.version,
      ipvsadmCode: code,
      ipvsadmCodeFrom: codeFrom ?? '?',
    };
    const mismatch = describeIpvsMismatch(pair);
    if (mismatch !== null && opts.allowIpvsMismatch !== true)
      throw new BuildError(mismatch, {
        hint: 'pin a matching pair; --allow-ipvs-mismatch records it anyway',
      });
    if (mismatch !== null) io.log(`WARNING: ${mismatch}`);
  }
  const compiler = await compilerVersion(io).catch(() => null);
  if (compiler === null) unknown.push('compiler: gcc not found');
  const ipvsadm: LockedIpvsadm = {
    version: release.version,
    link: spec.ipvsadm.link ?? 'static',
    origin,
    sha256: sourceSha,
    ipvsVersion: code !== null ? formatIpvsVersion(code) : null,
    ipvsVersionFrom: codeFrom,
    checkedWithKernel: { release: kernel.release, sha256: kernel.sha256 },
  };
  return {
    lockVersion: LOCK_VERSION,
    kernel: {
      version: spec.kernel.version,
      release: kernel.release,
      origin: kernel.origin,
      sha256: kernel.sha256,
      ipvsVersion: kernel.ipvsVersionCode !== null ? formatIpvsVersion(kernel.ipvsVersionCode) : null,
      ipvsVersionFrom: kernel.ipvsVersionFrom,
    },
    ipvsadm,
    compiler,
    unknown,
  };
}

/** Reads the lock beside `specFile` (or the `.lock` file itself); undefined when there is none. */
export async function readLock(
  specFile: string,
): Promise<{ lock: Lock; sha256: string; file: string } | undefined> {
  const file = lockFileFor(specFile);
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  return { lock: parseLock(text, file), sha256: sha256(text), file };
}

/** Writes the lock beside `specFile` atomically (unless identical); returns the lock file's path and sha256. */
export async function writeLock(specFile: string, lock: Lock): Promise<{ file: string; sha256: string }> {
  const file = lockFileFor(specFile);
  const text = serializeLock(lock);
  // Leave an identical lock untouched (no mtime churn for make or editors).
  const before = existsSync(file) ? await readFile(file, 'utf8') : null;
  if (before !== text) await writeFileAtomic(file, text);
  return { file, sha256: await sha256File(file) };
}

/** `build --frozen`: SpecError listing every drift between the lock beside `specFile` and the spec's pins now. */
export async function checkLock(
  specFile: string,
  spec: Spec,
  io: StageIo,
  opts: LockOptions = {},
): Promise<Lock> {
  const found = await readLock(specFile);
  const file = lockFileFor(specFile);
  if (found === undefined) {
    throw new SpecError({
      file,
      message: '--frozen needs a lock file and there is none',
      hint: `run \`lvs-image lock ${specFile}\``,
    });
  }
  const drift = diffLock(found.lock, await computeLock(spec, io, opts));
  if (drift.length > 0) {
    throw new SpecError(
      drift.map((message) => ({
        file,
        message,
        hint: `if the change is intended, run \`lvs-image lock ${specFile}\``,
      })),
    );
  }
  return found.lock;
}
