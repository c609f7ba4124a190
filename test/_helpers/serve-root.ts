/** A throw-away served root for serve tests: files of known content, a nested pxelinux.cfg, a symlink pointing out. */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ServeRoot {
  /** The served folder. */
  root: string;
  /** A folder beside it holding `secret.txt`, which must never be served. */
  outside: string;
  files: Record<string, Buffer>;
  sha256(name: string): string;
  remove(): Promise<void>;
}

/** Creates the root: `small.bin` (100 000 B), `exact.bin` (16 × 1468 B), `big.bin` (2 MiB), `wrap.bin` (600 000 B), `text.txt`, `pxelinux.cfg/default`, `01-…`, `escape` → ../outside. */
export async function makeServeRoot(bigBytes = 2 * 1024 * 1024): Promise<ServeRoot> {
  const base = await mkdtemp(path.join(tmpdir(), 'lvsi-serve-test-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'pxelinux.cfg'), { recursive: true });
  await mkdir(outside);
  const files: Record<string, Buffer> = {
    'small.bin': randomBytes(100_000),
    'exact.bin': randomBytes(16 * 1468),
    'big.bin': randomBytes(bigBytes),
    'wrap.bin': randomBytes(600_000),
    'empty.bin': Buffer.alloc(0),
    'text.txt': Buffer.from('line one\nline two\r\nbare\rcr\n'),
    'pxelinux.cfg/default': Buffer.from('DEFAULT director\n'),
    'pxelinux.cfg/01-52-54-00-12-34-56': Buffer.from('DEFAULT by-mac\n'),
  };
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(root, name), data);
  await writeFile(path.join(outside, 'secret.txt'), 'secret\n');
  await symlink('../outside', path.join(root, 'escape'));
  await symlink('../outside/secret.txt', path.join(root, 'secret-link'));
  await symlink('small.bin', path.join(root, 'inside-link'));
  return {
    root,
    outside,
    files,
    sha256: (name) =>
      createHash('sha256')
        .update(files[name] ?? Buffer.alloc(0))
        .digest('hex'),
    remove: () => rm(base, { recursive: true, force: true }),
  };
}
