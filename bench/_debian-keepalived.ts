/**
 * Debian's packaged keepalived and every shared library it needs, unpacked into a temp root (never installed on
 * the host): `apt-get download` + `dpkg-deb -x`, then the DT_NEEDED closure resolved against that root first and
 * the host's library folders second. bench/keepalived.ts adds the result to a mkinitramfs image.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readNeeded } from '../src/stages/rootfs/elf.js';

/** One library of the closure: its soname, the file it resolved to, and whether that came from a .deb. */
export interface ResolvedLib {
  soname: string;
  file: string;
  from: 'deb' | 'host';
}

/** The binary (inside the temp root), its own DT_NEEDED names, the whole closure and the packages fetched. */
export interface DebianKeepalived {
  binary: string;
  direct: string[];
  libs: ResolvedLib[];
  packages: string[];
}

const LIB_DIRS = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib', 'lib', 'lib64'];
/** Rounds of "download the lib* Depends of what we have" before a missing library is an error. */
const MAX_ROUNDS = 4;

function sh(file: string, args: string[], cwd: string): string {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: status ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** The real (non-virtual) lib* packages that `pkgs` depend on, from `apt-cache depends`. */
function libDepends(pkgs: string[], dir: string): string[] {
  const out = sh('apt-cache', ['depends', '--no-recommends', '--no-suggests', ...pkgs], dir);
  const found = new Set<string>();
  for (const m of out.matchAll(/^\s+\|?(?:Pre)?Depends: (lib[^\s<>]+)$/gm)) found.add(m[1]!);
  return [...found].sort();
}

function locate(soname: string, root: string): ResolvedLib | undefined {
  for (const [base, from] of [
    [root, 'deb'],
    ['/', 'host'],
  ] as const) {
    for (const dir of LIB_DIRS) {
      const file = path.join(base, dir, soname);
      if (existsSync(file)) return { soname, file, from };
    }
  }
  return undefined;
}

/** The DT_NEEDED closure of `binary`; sonames found nowhere are returned apart. */
function resolveClosure(binary: string, root: string): { libs: ResolvedLib[]; missing: string[] } {
  const libs = new Map<string, ResolvedLib>();
  const missing = new Set<string>();
  const queue = [...(readNeeded(readFileSync(binary)) ?? [])];
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const soname = queue.shift()!;
    if (libs.has(soname) || missing.has(soname)) continue;
    const lib = locate(soname, root);
    if (lib === undefined) {
      missing.add(soname);
      continue;
    }
    libs.set(soname, lib);
    queue.push(...(readNeeded(readFileSync(lib.file)) ?? []));
  }
  return { libs: [...libs.values()].sort((a, b) => a.soname.localeCompare(b.soname)), missing: [...missing] };
}

/** Downloads and unpacks keepalived and, round by round, the lib* packages its closure still lacks. */
export function fetchDebianKeepalived(work: string): DebianKeepalived {
  const debs = path.join(work, 'debs');
  const root = path.join(work, 'root');
  mkdirSync(debs, { recursive: true });
  const fetched = new Set<string>();
  let want = ['keepalived', ...libDepends(['keepalived'], work)];
  const binary = path.join(root, 'usr/sbin/keepalived');
  for (let round = 1; ; round++) {
    const fresh = want.filter((p) => !fetched.has(p));
    if (fresh.length > 0) {
      const before = new Set(readdirSync(debs));
      // APT::Sandbox::User=root: the temp folder is private, so apt's _apt user could not write into it.
      sh('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...fresh], debs);
      for (const f of readdirSync(debs).filter((f) => !before.has(f)))
        sh('dpkg-deb', ['-x', path.join(debs, f), root], work);
      for (const p of fresh) fetched.add(p);
    }
    const { libs, missing } = resolveClosure(binary, root);
    if (missing.length === 0) {
      const direct = readNeeded(readFileSync(binary)) ?? [];
      return { binary, direct, libs, packages: [...fetched].sort() };
    }
    if (round >= MAX_ROUNDS)
      throw new Error(`Debian's keepalived needs ${missing.join(', ')}: not found after ${round} rounds`);
    want = libDepends([...fetched], work);
  }
}
