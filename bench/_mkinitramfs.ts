/** The Debian peer the initrd benches measure against: `mkinitramfs` with MODULES=netboot, on a private config. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Runs `mkinitramfs -d <conf> -o out release` with a private copy of /etc/initramfs-tools in `work` where
 * MODULES=netboot (and COMPRESS=`compress` when given); the host's own config is never touched. Returns the
 * whole process's time and the image's size.
 */
export function mkinitramfsNetboot(
  work: string,
  release: string,
  out: string,
  compress?: string,
): { ms: number; bytes: number } {
  const conf = path.join(work, `initramfs-tools-${compress ?? 'host'}`);
  if (!existsSync(conf)) {
    cpSync('/etc/initramfs-tools', conf, { recursive: true });
    const file = path.join(conf, 'initramfs.conf');
    let text = readFileSync(file, 'utf8').replace(/^MODULES=.*$/m, 'MODULES=netboot');
    if (compress !== undefined) text = text.replace(/^COMPRESS=.*$/m, `COMPRESS=${compress}`);
    writeFileSync(file, text);
  }
  const t = performance.now();
  const r = spawnSync('mkinitramfs', ['-d', conf, '-o', out, release], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 600_000,
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`mkinitramfs -d ${conf}: status ${r.status}\n${r.stderr.toString()}`);
  return { ms, bytes: statSync(out).size };
}
