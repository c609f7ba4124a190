/**
 * Stage: the lock file. `computeLock` resolves a spec's pins through the source store (storing what it fetches,
 * reading versions and IPVS versions from the sources, building nothing); `readLock`/`writeLock` load and store
 * it; `checkLockAgainstSpec` is `build --frozen`'s gate: the spec still names what the lock pins (no network:
 * the lock's bytes are then had from the store, see src/stages/sources.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { StageIo } from '../context.js';
import { formatIpvsVersion } from '../context.js';
import { BuildError, SpecError } from '../lib/errors.js';
import { sha256, sha256File, writeFileAtomic } from '../lib/fs.js';
import { findIpvsadmRelease } from '../packages/ipvsadm.js';
import { findRelease } from '../packages/program.js';
import { PROGRAMS, type ProgramName } from '../packages/programs.js';
import type { ProgramDefinition } from './program/definition.js';
import type { ProgramSourcePin, Spec } from '../spec/types.js';
import { readIpvsadmHeader } from './ipvsadm.js';
import { compilerVersion } from './ipvsadm/build.js';
import { describeIpvsMismatch } from './ipvsadm/ipvs-version.js';
import { missingKernelFacts, readKernelSourceFacts, type KernelFacts } from './lock/kernel-facts.js';
import {
  LOCK_VERSION,
  lockFileFor,
  parseLock,
  serializeLock,
  type Lock,
  type LockedFirmware,
  type LockedProgram,
  type LockedSource,
} from './lock/lock-file.js';
import { readPrebuiltKernelFacts } from './lock/prebuilt-facts.js';
import { SourcesMissingError, provideSources } from './sources.js';
import type { ProvidedSource, SourceOrigin, SourceRequest } from './sources/origin.js';
import { firmwareRequests, planSpecSources } from './sources/plan.js';

export { diffLock, lockFileFor, serializeLock, type Lock } from './lock/lock-file.js';
export { checkLockAgainstSpec } from './lock/frozen.js';
import { checkLockAgainstSpec } from './lock/frozen.js';

/** Options of computeLock. */
export interface LockOptions {
  /** Folder relative source paths are resolved against (the spec's folder). */
  specDir?: string;
  /** Download nothing: record what the store, the spec, the catalog and local files say; the rest is unknown. */
  offline?: boolean;
  /** Record a kernel/ipvsadm pair whose IPVS versions differ instead of refusing it. */
  allowIpvsMismatch?: boolean;
  /** The source store; default sourceStoreDir(). */
  store?: string;
}

/** The origin a request names when its source could not be had (offline): what the lock can still say. */
function requestedOrigin(req: SourceRequest): SourceOrigin {
  const f = req.from;
  if (f.kind === 'debian-binary')
    return { kind: 'debian-binary', package: f.package, version: 'unknown', member: f.member };
  if (f.kind === 'debian-source')
    return { kind: 'debian-source', package: f.package, version: 'unknown', dsc: 'unknown' };
  if (f.kind === 'debian-deb') return { kind: 'debian-deb', package: f.package, version: 'unknown' };
  if (f.kind === 'url') return { kind: 'url', url: f.urls[0] ?? f.file };
  return { kind: 'path', path: f.path };
}

/** The file a request names before anything is fetched: the URL's file, the path, the member or the package. */
function requestedPlace(req: SourceRequest): string {
  const f = req.from;
  if (f.kind === 'url') return f.file;
  if (f.kind === 'path') return f.path;
  return f.kind === 'debian-binary' ? f.member : f.package; // debian-deb: the package (its .deb name is apt's)
}

function lockedSource(req: SourceRequest, got: ProvidedSource | undefined, specPath?: string): LockedSource {
  // NOTE: a local path is recorded as the spec writes it (relative to the spec), not as resolved here.
  const origin = got?.origin.kind === 'path' || got === undefined ? requestedOrigin(req) : got.origin;
  const pinned =
    origin.kind === 'path' && specPath !== undefined ? { kind: 'path' as const, path: specPath } : origin;
  if (got === undefined) {
    const file = path.basename(requestedPlace(req));
    return { file, sha256: req.sha256, size: null, origin: pinned };
  }
  return {
    file: got.file,
    sha256: got.isDirectory ? null : got.sha256,
    size: got.isDirectory ? null : got.size,
    origin: pinned,
  };
}

async function provideForLock(
  req: SourceRequest,
  io: StageIo,
  opts: LockOptions,
  unknown: string[],
): Promise<ProvidedSource | undefined> {
  try {
    const got = await provideSources([req], io, {
      offline: opts.offline === true,
      ...(opts.store !== undefined ? { store: opts.store } : {}),
    });
    return got[req.name];
  } catch (err) {
    if (opts.offline !== true || !(err instanceof SourcesMissingError)) throw err;
    // The kernel's facts say it themselves (missingKernelFacts).
    if (req.name !== 'kernel')
      unknown.push(`${req.name}: source not on this machine and --offline downloads nothing`);
    if (req.sha256 === null) unknown.push(`${req.name}: no sha256 pinned`);
    return undefined;
  }
}

/** Resolves the spec's kernel and ipvsadm pins into a Lock (see the module comment). */
export async function computeLock(spec: Spec, io: StageIo, opts: LockOptions = {}): Promise<Lock> {
  const specDir = opts.specDir ?? '.';
  const unknown: string[] = [];
  const requests = planSpecSources(spec, specDir);
  const kreq = requests.find((r) => r.name === 'kernel');
  const ireq = requests.find((r) => r.name === 'ipvsadm');
  if (ireq === undefined) throw new BuildError('internal: no ipvsadm source request');

  let kernel: KernelFacts & { source: LockedSource | null };
  if (spec.kernel.prebuilt !== undefined)
    kernel = await readPrebuiltKernelFacts(spec.kernel.prebuilt, specDir);
  else if (kreq === undefined) {
    kernel = { ...missingKernelFacts(spec.kernel.version, 'none'), source: null };
    kernel.unknown = ['kernel: neither kernel.source nor kernel.prebuilt is set'];
  } else {
    const got = await provideForLock(kreq, io, opts, unknown);
    const specPath =
      spec.kernel.source !== undefined && 'path' in spec.kernel.source ? spec.kernel.source.path : undefined;
    const facts =
      got !== undefined
        ? await readKernelSourceFacts(got)
        : missingKernelFacts(spec.kernel.version, kreq.from.kind === 'path' ? kreq.from.path : kreq.name);
    kernel = { ...facts, source: lockedSource(kreq, got, specPath) };
  }
  unknown.unshift(...kernel.unknown);

  const release = findIpvsadmRelease(spec.ipvsadm.version);
  let code: number | null = null;
  let codeFrom: string | null = null;
  if (release.ipvsHeader.from === 'kernel') {
    [code, codeFrom] = [
      kernel.ipvsVersionCode,
      kernel.ipvsVersionFrom !== null ? `the kernel's headers: ${kernel.ipvsVersionFrom}` : null,
    ];
  }
  const got = await provideForLock(ireq, io, opts, unknown);
  if (release.ipvsHeader.from === 'bundled') {
    if (got !== undefined) {
      const fetched = { path: got.path, isDirectory: got.isDirectory, sha256: got.sha256, origin: got.path };
      [code, codeFrom] = [
        (await readIpvsadmHeader(release, fetched, undefined)).code,
        `${release.ipvsHeader.path} in the source`,
      ];
    } else if (release.ipvsHeader.ipvsVersionCode !== null) {
      [code, codeFrom] = [release.ipvsHeader.ipvsVersionCode, `catalog (bundled ${release.ipvsHeader.path})`];
    }
  }
  if (code === null)
    unknown.push(
      `ipvsadm: IPVS version unknown (it comes from the ${release.ipvsHeader.from === 'kernel' ? "kernel's headers" : 'source'})`,
    );
  if (kernel.ipvsVersionCode !== null && code !== null) {
    const mismatch = describeIpvsMismatch({
      kernelRelease: kernel.release ?? spec.kernel.version,
      kernelCode: kernel.ipvsVersionCode,
      ipvsadmVersion: release.version,
      ipvsadmCode: code,
      ipvsadmCodeFrom: codeFrom ?? '?',
    });
    if (mismatch !== null && opts.allowIpvsMismatch !== true)
      throw new BuildError(mismatch, {
        hint: 'pin a matching pair; --allow-ipvs-mismatch records it anyway',
      });
    if (mismatch !== null) io.log(`WARNING: ${mismatch}`);
  }
  const programs: Partial<Record<ProgramName, LockedProgram>> = {};
  for (const program of PROGRAMS) {
    const req = requests.find((r) => r.name === program.name);
    const pin = spec[program.name];
    if (req !== undefined && pin !== undefined)
      programs[program.name] = await lockProgram(program, pin, req, io, opts, unknown);
  }
  const firmware: Record<string, LockedFirmware> = {};
  for (const req of firmwareRequests(spec)) {
    const got = await provideForLock(req, io, opts, unknown);
    const source = lockedSource(req, got);
    const version = source.origin.kind === 'debian-deb' ? source.origin.version : 'unknown';
    firmware[req.name] = { version, source };
  }
  const compiler = await compilerVersion(io).catch(() => null);
  if (compiler === null) unknown.push('compiler: gcc not found');
  const ipvsadmPath =
    spec.ipvsadm.source !== undefined && 'path' in spec.ipvsadm.source ? spec.ipvsadm.source.path : undefined;
  return {
    lockVersion: LOCK_VERSION,
    kernel: {
      version: spec.kernel.version,
      release: kernel.release,
      source: kernel.source,
      prebuilt: spec.kernel.prebuilt !== undefined,
      ipvsVersion: kernel.ipvsVersionCode !== null ? formatIpvsVersion(kernel.ipvsVersionCode) : null,
      ipvsVersionFrom: kernel.ipvsVersionFrom,
    },
    ipvsadm: {
      version: release.version,
      link: spec.ipvsadm.link ?? 'static',
      source: lockedSource(ireq, got, ipvsadmPath),
      ipvsVersion: code !== null ? formatIpvsVersion(code) : null,
      ipvsVersionFrom: codeFrom,
      checkedWithKernel: { release: kernel.release, sha256: kernel.source?.sha256 ?? null },
    },
    ...programs,
    ...(Object.keys(firmware).length > 0 ? { firmware } : {}),
    compiler,
    unknown,
  };
}

/** A program's lock entry (keepalived, dropbear): the catalog release, the link, and its source through the store. */
async function lockProgram(
  program: ProgramDefinition,
  pin: ProgramSourcePin,
  req: SourceRequest,
  io: StageIo,
  opts: LockOptions,
  unknown: string[],
): Promise<LockedProgram> {
  const release = findRelease(program.catalog, pin.version, `/${program.name}/version`);
  const got = await provideForLock(req, io, opts, unknown);
  const specPath = pin.source !== undefined && 'path' in pin.source ? pin.source.path : undefined;
  return { version: release.version, link: pin.link ?? 'static', source: lockedSource(req, got, specPath) };
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

/** `build --frozen`: the lock beside `specFile`, checked against the spec (see checkLockAgainstSpec). */
export async function checkLock(
  specFile: string,
  spec: Spec,
  io: StageIo,
  compiler?: string,
): Promise<{ lock: Lock; file: string; sha256: string }> {
  const found = await readLock(specFile);
  if (found === undefined) {
    throw new SpecError({
      file: lockFileFor(specFile),
      message: '--frozen needs a lock file and there is none',
      hint: `run \`lvs-image lock ${specFile}\``,
    });
  }
  checkLockAgainstSpec(found, spec, specFile, io, compiler);
  return found;
}
