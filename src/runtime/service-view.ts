/**
 * The view of one service file (/etc/lvs/services/NN-name): a row of the daemon table applied to a director.
 * Pure; render prints it with templates/director/etc/lvs/service.hbs.
 */
import { InternalError } from '../lib/errors.js';
import type { DirectorView } from '../stages/render/director-view.js';
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
}

/** The service view of daemon `d` on the director of `view`. */
export function serviceView(d: Daemon, view: DirectorView): ServiceView {
  const argv = d.argv(view);
  // /init splits the argv line on blanks: a word with one (or an empty word) would come apart there.
  const bad = argv.find((w) => w === '' || /\s/.test(w));
  if (bad !== undefined)
    throw new InternalError(
      `daemon ${d.name} of ${view.hostname}: argv word ${JSON.stringify(bad)} cannot be split back`,
    );
  return {
    name: d.name,
    summary: d.summary,
    phase: d.phase,
    argv: argv.join(' '),
    mounts: d.mounts ?? [],
    logHost: d.logHost?.(view) ?? null,
    readySocket: d.readySocket ?? null,
  };
}

/** The service files of a director: path and view, in start order. Pure. */
export function serviceFiles(view: DirectorView): { path: string; view: ServiceView }[] {
  return runningDaemons(view).map((d) => ({ path: serviceFilePath(d), view: serviceView(d, view) }));
}
