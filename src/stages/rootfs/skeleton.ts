/** The fixed part of every image: the folder skeleton and the device nodes the kernel needs before /dev is mounted. */
import type { RootfsEntry } from '../../lib/cpio.js';

/** Folders every image has, whether or not a file lands in them. */
export const SKELETON_DIRS = [
  '/bin',
  '/dev',
  '/etc',
  '/lib',
  '/lib64',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/sbin',
  '/var',
];

// Numbers from Documentation/admin-guide/devices.txt (https://www.kernel.org/doc/Documentation/admin-guide/devices.txt):
// char 5:1 is /dev/console, char 1:3 is /dev/null. The kernel opens /dev/console for /init's stdio before
// /init can mount devtmpfs, so it must be in the archive; making it there needs no root on the build host.
const DEVICES: RootfsEntry[] = [
  { type: 'char', path: '/dev/console', mode: 0o600, major: 5, minor: 1 },
  { type: 'char', path: '/dev/null', mode: 0o666, major: 1, minor: 3 },
];

/** Skeleton folders (mode 0755, /tmp 1777, /root 0700) and device nodes. */
export function planSkeleton(): RootfsEntry[] {
  const modes: Record<string, number> = { '/tmp': 0o1777, '/root': 0o700 };
  return [
    ...SKELETON_DIRS.map((p) => ({ type: 'dir' as const, path: p, mode: modes[p] ?? 0o755 })),
    ...DEVICES,
  ];
}
