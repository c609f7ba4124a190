/**
 * Busybox applet links (pure). Every applet of `busybox --list-full` gets a symlink, not a chosen few: the
 * links cost a few kB, /init and the rescue console may use any applet, and there is no second list to keep
 * in step with the templates.
 */
import type { RootfsEntry } from '../../lib/cpio.js';

/** Where busybox itself lives in the image. */
export const BUSYBOX_PATH = '/bin/busybox';

// `--list-full` also names /linuxrc (a boot-loader convention we do not use) beside the usual bin folders.
const LINK_DIRS = ['bin/', 'sbin/', 'usr/bin/', 'usr/sbin/'];

/** Symlinks for each applet path printed by `busybox --list-full` (e.g. `usr/bin/[`). */
export function planBusyboxLinks(listFull: string): RootfsEntry[] {
  return listFull
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => LINK_DIRS.some((d) => l.startsWith(d)) && `/${l}` !== BUSYBOX_PATH)
    .map((l) => ({ type: 'symlink' as const, path: `/${l}`, target: BUSYBOX_PATH }));
}
