/** Shared libraries of dynamic binaries, from `ldd` output (pure). */
import { BuildError } from '../../lib/errors.js';

/**
 * Absolute library paths (and the program loader) named in `ldd` output for one or more binaries. Static
 * binaries print "not a dynamic executable" or "statically linked" and add nothing; the vDSO has no file.
 */
export function parseLdd(output: string, what: string): string[] {
  const found = new Set<string>();
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const missing = /^(\S+) => not found/.exec(line);
    if (missing) {
      throw new BuildError(`${what} needs ${missing[1]}, which ldd cannot find on this host`, {
        hint: `install the package that provides ${missing[1]}, or link the binary statically`,
      });
    }
    const m = /=>\s+(\/\S+)\s+\(0x/.exec(line) ?? /^(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1] !== undefined) found.add(m[1]);
  }
  return [...found].sort();
}
