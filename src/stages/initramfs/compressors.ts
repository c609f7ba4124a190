/** The initramfs compressions lvs-image offers, the kernel option each needs, and how each is run. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { SpecError } from '../../lib/errors.js';
import { runFilter } from '../../lib/exec.js';

/** Compression of the initrd; `none` is a bare newc archive. */
export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

/** A compressor: the kernel option that lets the kernel unpack its output, and the function that runs it. */
export interface Compressor {
  kconfig: string | undefined;
  compress: (input: AsyncIterable<Buffer>) => Promise<Buffer[]>;
}

// A compressor that died on a huge tree must not hang the build forever.
const TIMEOUT_MS = 10 * 60 * 1000;

async function collect(input: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of input) out.push(chunk);
  return out;
}

// Node's gzip header carries no file name and mtime 0 (checked by test/stages/initramfs.test.ts), so the
// output depends only on the input and the zlib bundled with Node. zlib runs in libuv's thread pool, so
// parts compress in parallel without child processes.
async function gzip(input: AsyncIterable<Buffer>): Promise<Buffer[]> {
  // Output in 1 MiB pieces too (default 16 KiB, each a thread-pool round trip); the bytes do not change.
  const gz = createGzip({ level: 6, chunkSize: 1 << 20 });
  const [, out] = await Promise.all([pipeline(Readable.from(input), gz), collect(gz)]);
  return out;
}

/** Compressors by name (a table, not a switch). */
export const COMPRESSORS: Record<Compression, Compressor> = {
  gzip: { kconfig: 'CONFIG_RD_GZIP', compress: gzip },
  // The kernel's XZ decoder only verifies CRC32 (or no) checks: the default CRC64 makes it refuse the image.
  // -T1: one thread per part (parts already run in parallel) and a fixed block layout.
  xz: {
    kconfig: 'CONFIG_RD_XZ',
    compress: async (input) => [
      await runFilter('xz', ['--format=xz', '--check=crc32', '-T1', '-6', '-c'], input, {
        timeoutMs: TIMEOUT_MS,
      }),
    ],
  },
  zstd: {
    kconfig: 'CONFIG_RD_ZSTD',
    compress: async (input) => [
      await runFilter('zstd', ['-19', '-T1', '-q', '-c'], input, { timeoutMs: TIMEOUT_MS }),
    ],
  },
  none: { kconfig: undefined, compress: collect },
};

/** True when `option` is set to y in a kernel .config text. */
function isEnabled(config: string, option: string): boolean {
  return new RegExp(`^${option}=y\\s*$`, 'm').test(config);
}

/** Throws a SpecError when the kernel in `config` (.config text) cannot unpack an initrd compressed with `c`. */
export function checkCompression(c: Compression, config: string, configFile = 'kernel .config'): void {
  const needed = [
    'CONFIG_BLK_DEV_INITRD',
    ...(COMPRESSORS[c].kconfig !== undefined ? [COMPRESSORS[c].kconfig] : []),
  ];
  const missing = needed.filter((o) => !isEnabled(config, o));
  if (missing.length === 0) return;
  const usable = (Object.keys(COMPRESSORS) as Compression[]).filter((k) => {
    const opt = COMPRESSORS[k].kconfig;
    return opt === undefined || isEnabled(config, opt);
  });
  throw new SpecError({
    file: configFile,
    message: `initrd compression '${c}' needs ${missing.map((o) => `${o}=y`).join(' and ')}, which this kernel does not have`,
    hint: `add ${missing.map((o) => `${o}=y`).join(' ')} to the kernel config fragment, or choose one of: ${usable.join(', ')}`,
  });
}
