/** Decompresses a `.ko.xz` / `.ko.gz` / `.ko.zst` module, so busybox insmod/modprobe can load it as plain `.ko`. */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { BuildError } from '../../lib/errors.js';
import { runFilter } from '../../lib/exec.js';

// Busybox only loads compressed modules when built with the matching FEATURE_SEAMLESS_* option, and the
// kernel only decompresses them itself with CONFIG_MODULE_DECOMPRESS (5.17+); plain .ko works everywhere.
const DECOMPRESSORS: Record<string, (file: string) => Promise<Buffer>> = {
  '.xz': (file) => runFilter('xz', ['-dc'], createReadStream(file), { timeoutMs: 60_000 }),
  '.zst': (file) => runFilter('zstd', ['-dc'], createReadStream(file), { timeoutMs: 60_000 }),
  '.gz': async (file) => gunzipSync(await readFile(file)),
};

/** The bytes of a compressed module file. */
export async function decompressModule(file: string): Promise<Buffer> {
  const ext = Object.keys(DECOMPRESSORS).find((e) => file.endsWith(`.ko${e}`));
  if (ext === undefined) throw new BuildError(`${file}: not a compressed module (.ko.xz, .ko.gz or .ko.zst)`);
  return DECOMPRESSORS[ext]!(file);
}
