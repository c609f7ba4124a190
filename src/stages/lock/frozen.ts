/**
 * `build --frozen`'s gate, made without the network: the spec still pins what the lock pins (versions, link,
 * where each source comes from, any sha256 the spec itself gives), for the kernel, ipvsadm and each program of
 * the table. Pure but for the warning it logs.
 */
import type { StageIo } from '../../context.js';
import { SpecError, type Problem } from '../../lib/errors.js';
import { PROGRAMS, type ProgramName } from '../../packages/programs.js';
import type { Spec } from '../../spec/types.js';
import { planSpecSources } from '../sources/plan.js';
import type { SourceOrigin } from '../sources/origin.js';
import type { Lock, LockedProgram } from './lock-file.js';

/** The place a locked origin names, to compare with the spec's (versions and bytes aside). */
function place(o: SourceOrigin | undefined): string {
  if (o === undefined) return 'none';
  if (o.kind === 'debian-binary' || o.kind === 'debian-deb' || o.kind === 'debian-source')
    return `debian:${o.package}`;
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
  for (const program of PROGRAMS)
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
  name: ProgramName,
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
