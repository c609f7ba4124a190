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
import { BuildError, SpecError, type Problem } from '../lib/errors.js';
import { sha256, sha256File, writeFileAtomic } from '../lib/fs.js';
import { findIpvsadmRelease } from '../packages/ipvsadm.js';
import { findRelease } from '../packages/program.js';
import { OPTIONAL_PROGRAMS, type OptionalProgram, type OptionalProgramName } from '../spec/programs.js';
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
  type LockedProgram,
  type LockedSource,
} from './lock/lock-file.js';
import { readPrebuiltKernelFacts } from './lock/prebuilt-facts.js';
import { SourcesMissingError, provideSources } from './sources.js';
import type { ProvidedSource, SourceOrigin, SourceRequest } from './sources/origin.js';
import { planSpecSources } from './sources/plan.js';

export { diffLock, lockFileFor, serializeLock, type Lock } from './lock/lock-file.js';

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
  if (f.kind === 'url') return { kind: 'url', url: f.urls[0] ?? f.file };
  return { kind: 'path', path: f.path };
}

/** The file a request names before anything is fetched: the URL's file, the path, the member or the package. */
function requestedPlace(req: SourceRequest): string {
  const f = req.from;
  if (f.kind === 'url') return f.file;
  if (f.kind === 'path') return f.path;
  return f.kind === 'debian-binary' ? f.member : f.package;
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
  const programs: Partial<Record<OptionalProgramName, LockedProgram>> = {};
  for (const program of OPTIONAL_PROGRAMS) {
    const req = requests.find((r) => r.name === program.name);
    const pin = spec[program.name];
    if (req !== undefined && pin !== undefined)
      programs[program.name] = await lockProgram(program, pin, req, io, opts, unknown);
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
    compiler,
    unknown,
  };
}

/** A program's lock entry (keepalived, dropbear): the catalog release, the link, and its source through the store. */
async function lockProgram(
  program: OptionalProgram,
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

/** The place a locked origin names, to compare with the spec's (versions and bytes aside). */
function place(o: SourceOrigin | undefined): string {
  if (o === undefined) return 'none';
  if (o.kind === 'debian-binary' || o.kind === 'debian-source') return `debian:${o.package}`;
  if (o.kind === 'url') return `url:${o.url}`;
  if (o.kind === 'path') return `path:${o.path}`;
  return `import:${o.from}`;
}

function specPlace(ref: Spec['kernel']['source']): string[] {
  if (ref === undefined) return ['none'];
  if ('debian' in ref) return [`debian:${ref.debian}`];
  if ('url' in ref) return [ref.url, ...(ref.mirrors ?? [])].map((u) => `url:${u}`);
  return [`path:${ref.path}`];
}

/**
 * `build --frozen`'s gate, made without the network: the spec still pins what the lock pins (versions, link,
 * where each source comes from, any sha256 the spec itself gives). Every difference at once, as a SpecError
 * naming the lock file; a different compiler is only a warning (its bytes may differ, its pins do not).
 */
export function checkLockAgainstSpec(
  found: { lock: Lock; file: string },
  spec: Spec,
  specFile: string,
  io: StageIo,
  compiler: string | undefined,
): void {
  const { lock, file } = found;
  const problems: Problem[] = [];
  const differ = (what: string, locked: string, now: string): void => {
    if (locked !== now)
      problems.push({ file, message: `${what}: locked ${locked}, the spec now says ${now}` });
  };
  differ('kernel.version', lock.kernel.version, spec.kernel.version);
  differ('kernel.prebuilt', String(lock.kernel.prebuilt), String(spec.kernel.prebuilt !== undefined));
  if (spec.kernel.prebuilt === undefined) {
    const ok = specPlace(spec.kernel.source);
    const was = place(lock.kernel.source?.origin);
    if (!ok.includes(was)) differ('kernel source', was, ok.join(' or '));
    const pin =
      spec.kernel.source !== undefined && 'sha256' in spec.kernel.source
        ? spec.kernel.source.sha256
        : undefined;
    if (pin !== undefined)
      differ('kernel source sha256', lock.kernel.source?.sha256 ?? 'unknown', pin.toLowerCase());
  }
  differ('ipvsadm.version', lock.ipvsadm.version, spec.ipvsadm.version);
  differ('ipvsadm.link', lock.ipvsadm.link, spec.ipvsadm.link ?? 'static');
  if (spec.ipvsadm.source !== undefined) {
    const ok = specPlace(spec.ipvsadm.source);
    const was = place(lock.ipvsadm.source.origin);
    if (!ok.includes(was)) differ('ipvsadm source', was, ok.join(' or '));
    const pin = 'sha256' in spec.ipvsadm.source ? spec.ipvsadm.source.sha256 : undefined;
    if (pin !== undefined)
      differ('ipvsadm source sha256', lock.ipvsadm.source.sha256 ?? 'unknown', pin.toLowerCase());
  }
  for (const program of OPTIONAL_PROGRAMS)
    checkProgramPin(program.name, lock[program.name], spec, differ, problems, file);
  if (problems.length > 0)
    throw new SpecError(
      problems.map((p) => ({ ...p, hint: `if the change is intended, run \`lvs-image lock ${specFile}\`` })),
    );
  if (compiler !== undefined && lock.compiler !== null && compiler !== lock.compiler)
    io.log(
      `WARNING: the lock was written with ${lock.compiler}; this machine has ${compiler}: the pins hold, the bytes may differ`,
    );
}

/** A program's part of the frozen gate: pinned when the spec runs it, with the same place and link. */
function checkProgramPin(
  name: OptionalProgramName,
  locked: LockedProgram | undefined,
  spec: Spec,
  differ: (what: string, locked: string, now: string) => void,
  problems: Problem[],
  file: string,
): void {
  const wanted = planSpecSources(spec, '.', [name]).length > 0 ? spec[name] : undefined;
  if (wanted === undefined && locked === undefined) return;
  if (wanted === undefined || locked === undefined) {
    problems.push({
      file,
      message:
        locked === undefined
          ? `the spec runs ${name} ${wanted?.version ?? ''} and the lock pins no ${name}`
          : `the lock pins ${name} ${locked.version} and the spec runs none`,
    });
    return;
  }
  differ(`${name}.version`, locked.version, wanted.version);
  differ(`${name}.link`, locked.link, wanted.link ?? 'static');
  if (wanted.source !== undefined) {
    const ok = specPlace(wanted.source);
    const was = place(locked.source.origin);
    if (!ok.includes(was)) differ(`${name} source`, was, ok.join(' or '));
    const pin = 'sha256' in wanted.source ? wanted.source.sha256 : undefined;
    if (pin !== undefined)
      differ(`${name} source sha256`, locked.source.sha256 ?? 'unknown', pin.toLowerCase());
  }
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
