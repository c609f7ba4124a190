/**
 * The view of one service file (/etc/lvs/services/NN-name): a row of the daemon table applied to a director.
 * Pure; render prints it with templates/director/etc/lvs/service.hbs.
 */
import { InternalError } from '../lib/errors.js';
import type { DirectorModel } from '../director/types.js';
import { runningDaemons, serviceFilePath, type BootPhase, type Daemon } from './daemons.js';

/** What templates/director/etc/lvs/service.hbs prints. */
export interface ServiceView {
  name: string;
  summary: string;
  phase: BootPhase;
  /** The command line, words joined by one space (/init splits it again). */
  argv: string;
  mounts: string[];
  logHost: { host: string; announce: string } | null;
  readySocket: string | null;
  /** A device that must exist for it to start, or null. */
  device: string | null;
}

/** The service view of daemon `d` on director `model`. */
export function serviceView(d: Daemon, model: DirectorModel): ServiceView {
  const argv = d.argv(model);
  // /init splits the argv line on blanks: a word with one (or an empty word) would come apart there.
  const bad = argv.find((w) => w === '' || /\s/.test(w));
  if (bad !== undefined)
    throw new InternalError(
      `daemon ${d.name} of ${model.hostname}: argv word ${JSON.stringify(bad)} cannot be split back`,
    );
  return {
    name: d.name,
    summary: d.summary,
    phase: d.phase,
    argv: argv.join(' '),
    mounts: d.mounts ?? [],
    logHost: d.logHost?.(model) ?? null,
    readySocket: d.readySocket ?? null,
    device: d.device ?? null,
  };
}

/** The service files of a director: path and view, in start order. Pure. */
export function serviceFiles(model: DirectorModel): { path: string; view: ServiceView }[] {
  return runningDaemons(model).map((d) => ({ path: serviceFilePath(d), view: serviceView(d, model) }));
}
