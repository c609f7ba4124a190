/**
 * The directors' SSH host keys (dropbear's part beyond its build, src/packages/dropbear.ts): made once by the
 * built dropbearkey into the secrets folder beside the spec and reused by every later build, so a director that
 * boots a new image keeps the key its operators' known_hosts already have.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageIo } from '../context.js';
import { BuildError } from '../lib/errors.js';

/** The lab key pair (images/lab-keys): its private half is in the repository, so it is for the lab only. */
export const LAB_KEY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../images/lab-keys/lab-operator',
);

/** The secrets folder of a spec: `secrets/<site>/` beside the spec file. */
export function secretsDirFor(specFile: string, site: string): string {
  return path.join(path.dirname(path.resolve(specFile)), 'secrets', site);
}

/** A director's host key: the private file (secrets folder), its public line and fingerprint. */
export interface HostKey {
  hostname: string;
  /** The private key in dropbear's format. */
  file: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  publicKey: string;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
  /** True when this build made it. */
  made: boolean;
}

/** The public line and fingerprint in `dropbearkey -y` output. Pure. */
export function parseDropbearkeyOutput(text: string): { publicKey: string; fingerprint: string } | null {
  const pub = /^((?:ssh|ecdsa)-\S+) (\S+)/m.exec(text);
  const fp = /^Fingerprint: (\S+)/m.exec(text);
  if (pub === null || fp === null) return null;
  return { publicKey: `${pub[1]} ${pub[2]}`, fingerprint: fp[1] ?? '' };
}

const GITIGNORE = `# Host keys of the directors (lvs-image build made them). Private: keep them out of version control;
# back them up where you keep other secrets.
*
`;

/**
 * Each director's host key in `dir/<hostname>/`, made by `dropbearkey` when missing (into a temporary name,
 * renamed into place: an interrupted build leaves no half key). A new secrets root gets a `.gitignore` of `*`.
 */
export async function ensureHostKeys(a: {
  /** The built dropbearkey and the key type to make. */
  dropbear: { keygen: string; hostKeyType: string };
  dir: string;
  hostnames: readonly string[];
  io: StageIo;
}): Promise<HostKey[]> {
  const { dropbear, dir, io } = a;
  const root = path.dirname(dir);
  if (!existsSync(root)) {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await writeFile(path.join(root, '.gitignore'), GITIGNORE);
  }
  const keys: HostKey[] = [];
  for (const hostname of a.hostnames) {
    const hostDir = path.join(dir, hostname);
    const file = path.join(hostDir, `dropbear_${dropbear.hostKeyType}_host_key`);
    const made = !existsSync(file);
    if (made) {
      await mkdir(hostDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.new-${process.pid}`;
      await rm(tmp, { force: true });
      await io.run(dropbear.keygen, ['-t', dropbear.hostKeyType, '-f', tmp], { timeoutMs: 60_000 });
      await rename(tmp, file);
    }
    const out = await io.run(dropbear.keygen, ['-y', '-f', file], { timeoutMs: 30_000, reject: false });
    const parsed = parseDropbearkeyOutput(`${out.stdout}\n${out.stderr}`);
    if (out.exitCode !== 0 || parsed === null)
      throw new BuildError(
        `${file}: not a dropbear host key (dropbearkey -y: ${out.stderr.trim() || out.stdout.trim()})`,
        {
          hint: `move it away and build again: a new key is made (operators then see a changed host key for ${hostname})`,
        },
      );
    io.log(`${hostname}: SSH host key ${parsed.fingerprint}${made ? ' (new)' : ''}`);
    keys.push({ hostname, file, ...parsed, made });
  }
  return keys;
}

/** The private key bytes for the image. */
export async function readHostKey(key: HostKey): Promise<Buffer> {
  return readFile(key.file);
}
