/**
 * Stage: one program of the table (src/packages/programs.ts) built from its pinned source through the one
 * program build (./build.ts): the definition's recipe and inspection, its checks against the catalog, then its
 * site-level work (dropbear's host keys).
 */
import type { StageIo } from '../../context.js';
import { InternalError } from '../../lib/errors.js';
import { findRelease } from '../../packages/program.js';
import type { ProgramPins, ProgramSourcePin } from '../../spec/types.js';
import { provideSources, type ProvidedSource } from '../sources.js';
import { describeOrigin } from '../sources/origin.js';
import { programRequest } from '../sources/plan.js';
import { buildProgram } from './build.js';
import {
  DEFAULT_PROGRAM_LINK,
  type CatalogRelease,
  type ProgramArtifacts,
  type ProgramDefinition,
  type ProgramSite,
} from './definition.js';

/** What to build: the spec's pin or the plan's part (release and link; the source from the sources step). */
export type ProgramPin = Pick<ProgramSourcePin, 'version' | 'link' | 'source'>;

/**
 * Builds (or reuses) `program` at `pin` and checks it; `source` is its source from the sources step (without
 * it, the source is had through the store here, as a stage test does).
 */
export async function provideProgram<R extends CatalogRelease, A extends ProgramArtifacts>(
  program: ProgramDefinition<keyof ProgramPins, R, A>,
  pin: ProgramPin,
  io: StageIo,
  opts: { logFile: string; specDir?: string; source?: ProvidedSource },
): Promise<A> {
  const release = findRelease(program.catalog, pin.version, `/${program.name}/version`);
  const link = pin.link ?? DEFAULT_PROGRAM_LINK;
  const request = (): ReturnType<typeof programRequest> =>
    programRequest(program.name, pin, release, opts.specDir ?? '.');
  const got = opts.source ?? (await provideSources([request()], io))[program.name];
  if (got === undefined) throw new InternalError(`no ${program.name} source was provided`);
  const built = await buildProgram({
    plan: program.recipe(release, link),
    source: {
      path: got.path,
      isDirectory: got.isDirectory,
      sha256: got.sha256,
      origin: describeOrigin(got.origin),
    },
    io,
    logFile: opts.logFile,
    inspect: (src, runOpts) => program.inspect(release, src, io, runOpts),
  });
  const artifacts = program.finish(
    release,
    {
      artifacts: {
        version: release.version,
        link,
        binaries: built.binaries,
        libraries: built.libraries,
        sourceSha256: got.sha256,
        cacheHit: built.cacheHit,
      },
      extra: built.extra,
    },
    opts.logFile,
  );
  io.log(
    `${program.name} ${release.version}: ${program.describe(artifacts)}${built.cacheHit ? ' (cached)' : ''}`,
  );
  return artifacts;
}

/** `provideProgram`, then the program's site-level work for these directors. */
export async function providePreparedProgram<R extends CatalogRelease, A extends ProgramArtifacts>(
  program: ProgramDefinition<keyof ProgramPins, R, A>,
  pin: ProgramPin,
  site: ProgramSite & { specDir: string; source: ProvidedSource },
  hostnames: readonly string[],
): Promise<A> {
  const built = await provideProgram(program, pin, site.io, site);
  return program.prepare !== undefined ? program.prepare(built, site, hostnames) : built;
}
