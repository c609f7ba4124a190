/** Types shared between pipeline stages: what each stage hands to the next, and the I/O a stage may use. */
import type { Run } from './lib/exec.js';

/** A file rendered from a template, placed at `path` inside a director's root filesystem. */
export interface RenderedFile {
  /** Absolute path in the target root, e.g. `/etc/ipvsadm.rules`. */
  path: string;
  /** Octal permission bits, e.g. 0o644 or 0o755. */
  mode: number;
  content: string;
}

/** A built or checked kernel, ready to be packed. */
export interface KernelArtifacts {
  /** `make kernelrelease`, e.g. `6.1.192`. */
  release: string;
  /** Path of the bzImage / vmlinuz. */
  image: string;
  /** Folder holding `lib/modules/<release>/...` for the initramfs, absent when everything is built in. */
  modulesRoot?: string;
  /** Path of the final .config. */
  config: string;
  /**
   * `modules.builtin.modinfo` of the kernel (NUL-separated `<module>.<key>=<value>` of every built-in driver),
   * when the kernel has one (a prebuilt kernel's modules folder may lack it).
   */
  builtinModinfo?: string;
  /** IP_VS_VERSION_CODE of the kernel's IPVS, e.g. 0x010201. */
  ipvsVersionCode: number;
  /** Kernel source tree (or headers) for programs that compile against kernel headers (ipvsadm 1.24). */
  headersDir?: string;
  /** sha256 of the kernel source tarball (or of the prebuilt image), for the lock file and manifest. */
  sourceSha256: string;
  /** Where the kernel came from, for the lock file: a URL, a path, or `debian:<package>`. */
  origin: string;
}

/** A built ipvsadm, ready to be packed. */
export interface IpvsadmArtifacts {
  version: string;
  /** Path of the ipvsadm binary. */
  binary: string;
  /**
   * IPVS version the binary was compiled against: printed by a probe compiled with ipvsadm's own flags, because
   * `ipvsadm --version` cannot run on a host without IPVS (the boot test checks the real line in a guest).
   */
  ipvsVersionCode: number;
  /** The first line `ipvsadm --version` will print, predicted from the binary's format string and the probe. */
  versionLine: string;
  /** Shared libraries the binary needs (dynamic link only), absolute host paths. */
  libraries: string[];
}

/** Side effects a stage may perform, passed in so tests can substitute fakes. */
export interface StageIo {
  run: Run;
  /** Progress line for the listr2 task (verbose output). */
  log: (line: string) => void;
}

/** Formats an IP_VS_VERSION_CODE as `1.2.1`. */
export function formatIpvsVersion(code: number): string {
  return `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`;
}
