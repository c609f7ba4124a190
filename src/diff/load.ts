/**
 * What a `lvs-image diff` operand names, read into director states: a spec file (its state computed, files
 * rendered), a published folder (`out/dsas`, `out/.releases/dsas-<id>`, or a copy of one: its `state.json`s), a
 * site name under --out (its current release, `<site>.previous` the one before), or a release id (a unique
 * prefix of the 16 hex digits `lvs-image releases` prints). Reads only.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpecError } from '../lib/errors.js';
import { loadSpec } from '../spec/load.js';
import { matchReleaseIds } from '../releases.js';
import { releasesDir } from '../stages/publish.js';
import { planImage } from '../plan.js';
import { renderFiles } from '../stages/render.js';
import { directorStateFromSpec, STATE_VERSION, type DirectorState } from './state.js';

/** One side of a diff. */
export interface DiffSide {
  /** How the output names it: `spec images/dsas-lv1.yaml`, `release dsas-0123456789abcdef`. */
  label: string;
  directors: DirectorState[];
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

async function fromSpec(file: string): Promise<DiffSide> {
  const { spec } = await loadSpec(file);
  return {
    label: `spec ${file}`,
    directors: planImage(spec).directors.map((d) =>
      directorStateFromSpec(spec, d.model, renderFiles(d.files)),
    ),
  };
}

/** Reads a published `<hostname>/state.json`; a missing, unreadable or older one is an error naming the file. */
export async function readDirectorState(file: string): Promise<DirectorState> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined)
    throw new SpecError({
      file,
      message: 'missing: this release was built before lvs-image published director states',
      hint: 'rebuild the spec (lvs-image build): diff and boot-test read this file',
    });
  let state: DirectorState;
  try {
    state = JSON.parse(text) as DirectorState;
  } catch (err) {
    throw new SpecError({
      file,
      message: `not JSON: ${(err as Error).message}`,
      hint: 'rebuild the release',
    });
  }
  if (state.stateVersion !== STATE_VERSION)
    throw new SpecError({
      file,
      message: `state version ${String(state.stateVersion)}, this lvs-image reads version ${STATE_VERSION}`,
      hint: 'rebuild the release with this lvs-image',
    });
  return state;
}

/** The states of a published folder; a folder that is not a release is an error naming what is missing. */
export async function fromReleaseFolder(dir: string, label: string): Promise<DiffSide> {
  const notRelease = (why: string): SpecError =>
    new SpecError({
      file: dir,
      message: `not a release of lvs-image build: ${why}`,
      hint: 'name a spec file, a folder `lvs-image build` published (out/<site>), a site name or a release id from `lvs-image releases`',
    });
  if ((await lstat(path.join(dir, 'SHA256SUMS')).catch(() => undefined)) === undefined)
    throw notRelease('it has no SHA256SUMS');
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
  const directors: DirectorState[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const hasManifest = await lstat(path.join(dir, e.name, 'manifest.json')).catch(() => undefined);
    if (hasManifest === undefined) continue;
    directors.push(await readDirectorState(path.join(dir, e.name, 'state.json')));
  }
  if (directors.length === 0) throw notRelease('no <hostname>/manifest.json in it');
  return { label, directors };
}

/** Release folders under `outDir/.releases` whose id starts with `id`. */
async function releasesWithId(outDir: string, id: string): Promise<string[]> {
  const names = await readdir(releasesDir(outDir)).catch(() => [] as string[]);
  const idOf = (n: string): string => /-([0-9a-f]{16})$/.exec(n)?.[1] ?? '';
  const ids = matchReleaseIds(
    names.map(idOf).filter((i) => i !== ''),
    id,
  );
  return names.filter((n) => ids.includes(idOf(n)));
}

/** Reads operand `what` (see the module comment); `outDir` is where site names and release ids are looked up. */
export async function loadDiffSide(what: string, outDir: string): Promise<DiffSide> {
  const st = await stat(what).catch(() => undefined);
  if (st?.isFile() === true) return fromSpec(what);
  if (st?.isDirectory() === true)
    return fromReleaseFolder(what, `release ${path.basename(path.resolve(what))}`);
  if (/^[\w.-]+$/.test(what)) {
    const site = path.join(outDir, what);
    if (await isDir(site))
      return fromReleaseFolder(site, `release ${what} (${path.basename(await realpath(site))})`);
    const kept = path.join(releasesDir(outDir), what);
    if (await isDir(kept))
      return fromReleaseFolder(kept, `release ${what} (${path.basename(await realpath(kept))})`);
  }
  if (/^[0-9a-f]{4,16}$/.test(what)) {
    const found = await releasesWithId(outDir, what);
    if (found.length > 1)
      throw new SpecError({
        message: `release id ${what} is ambiguous under ${releasesDir(outDir)}: ${found.join(', ')}`,
        hint: 'give more digits of the id',
      });
    const name = found[0];
    if (name !== undefined) return fromReleaseFolder(path.join(releasesDir(outDir), name), `release ${name}`);
  }
  throw new SpecError({
    message: `"${what}" is not a spec file, a release folder, a site under ${outDir} or a release id under ${releasesDir(outDir)}`,
    hint: 'list the releases with `lvs-image releases SITE`; pass --out when the site is published elsewhere',
  });
}
