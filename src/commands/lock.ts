/** `lvs-image lock SPEC`: writes or updates the lock file beside the spec (kernel/ipvsadm pins, hashes, IPVS versions). */
import path from 'node:path';
import type { Command } from 'commander';
import { run } from '../lib/exec.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';
import { readFile } from 'node:fs/promises';
import { SpecError } from '../lib/errors.js';
import { computeLock, diffLock, lockFileFor, readLock, writeLock, type Lock } from '../stages/lock.js';
import { LOCK_VERSION } from '../stages/lock/lock-file.js';
import { offlineFromEnv } from '../stages/sources.js';

/** What writing `lock` changes: drift lines, `new lock file`, or the pins of an older-format lock it replaces. */
async function changesFrom(file: string, lock: Lock): Promise<string[]> {
  try {
    const before = await readLock(file);
    return before ? diffLock(before.lock, lock) : ['new lock file'];
  } catch (err) {
    if (!(err instanceof SpecError) || !/a lock of format \d+, older/.test(err.message)) throw err;
    const old = JSON.parse(await readFile(lockFileFor(file), 'utf8')) as {
      lockVersion: number;
      kernel?: { sha256?: string | null };
      ipvsadm?: { sha256?: string | null };
    };
    const sha = (s: string | null | undefined): string => (s ? `${s.slice(0, 8)}…` : 'unknown');
    return [
      `rewrote a lock of format ${old.lockVersion} (kernel sha256 ${sha(old.kernel?.sha256)}, ipvsadm sha256 ${sha(old.ipvsadm?.sha256)}) as format ${LOCK_VERSION}`,
    ];
  }
}

interface LockCommandOptions {
  offline?: boolean;
  allowIpvsMismatch?: boolean;
  json?: boolean;
}

/** Registers `lock`. */
export function register(program: Command): void {
  program
    .command('lock')
    .description(
      "resolve the spec's kernel and ipvsadm pins (sha256, versions, IPVS versions) into the lock file beside the spec (images/x.yaml → images/x.lock), without building",
    )
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option(
      '--offline',
      'download nothing: record what the spec and catalog pin and what local files say; mark the rest unknown',
    )
    .option('--allow-ipvs-mismatch', 'record a kernel/ipvsadm pair whose IPVS versions differ (loudly)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<LockCommandOptions>();
      const loaded = await loadSpec(file);
      const io = { run, log: (line: string) => process.stderr.write(`${line}\n`) };
      const lock = await computeLock(loaded.spec, io, {
        specDir: path.dirname(file),
        offline: o.offline === true || offlineFromEnv(),
        allowIpvsMismatch: o.allowIpvsMismatch === true,
      });
      const changes = await changesFrom(file, lock);
      const written = await writeLock(file, lock);
      if (o.json === true) {
        printJson({ ok: true, file: written.file, sha256: written.sha256, changes, lock });
        return;
      }
      for (const u of lock.unknown) process.stderr.write(`unknown: ${u}\n`);
      const summary = changes.length === 0 ? 'unchanged' : changes.join('\n  ');
      process.stdout.write(`${written.file}: ${summary}\n`);
    });
}
