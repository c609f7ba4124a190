/** `lvs-image lock SPEC`: writes or updates the lock file beside the spec (kernel/ipvsadm pins, hashes, IPVS versions). */
import path from 'node:path';
import type { Command } from 'commander';
import { run } from '../lib/exec.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';
import { computeLock, diffLock, readLock, writeLock } from '../stages/lock.js';

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
        offline: o.offline === true,
        allowIpvsMismatch: o.allowIpvsMismatch === true,
      });
      const before = await readLock(file);
      const changes = before ? diffLock(before.lock, lock) : ['new lock file'];
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
