/**
 * The Debian kernel installed on this machine (linux-image-amd64, whichever release apt picked): tests that
 * boot or read Debian's kernel use these instead of a hard-coded release.
 */
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** The release of /vmlinuz (`boot/vmlinuz-<release>`), else the only folder under /lib/modules, else ''. */
function findDebianRelease(): string {
  try {
    const m = /vmlinuz-(.+)$/.exec(path.basename(readlinkSync('/vmlinuz')));
    if (m) return m[1]!;
  } catch {
    // no /vmlinuz symlink: fall back to /lib/modules
  }
  const dirs = existsSync('/lib/modules') ? readdirSync('/lib/modules') : [];
  return dirs.length === 1 ? dirs[0]! : '';
}

/** The installed Debian kernel's release (e.g. `6.1.0-56-amd64`); '' when none is found. */
export const DEBIAN_RELEASE = findDebianRelease();
/** Debian's kernel image (the /vmlinuz symlink). */
export const DEBIAN_VMLINUZ = '/vmlinuz';
/** The config Debian built that kernel with. */
export const DEBIAN_CONFIG = `/boot/config-${DEBIAN_RELEASE}`;
/** That kernel's module tree. */
export const DEBIAN_MODULES = `/lib/modules/${DEBIAN_RELEASE}`;
