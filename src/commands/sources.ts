/**
 * `lvs-image sources list|fetch|export|import|gc`: the source store (src/stages/sources/store.ts) as commands,
 * for keeping pinned sources for years, sharing them, and building on machines without network access.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { run } from '../lib/exec.js';
import { SpecError } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { loadSpec } from '../spec/load.js';
import { lockFileFor, readLock, type Lock } from '../stages/lock.js';
import { offlineFromEnv, planSources, provideSources, sourceStoreDir } from '../stages/sources.js';
import {
  applyGc,
  exportSources,
  importSources,
  lockedSources,
  planGc,
  usersOf,
} from '../stages/sources/bundle.js';
import { describeOrigin } from '../stages/sources/origin.js';
import { listStored } from '../stages/sources/store.js';
import type { LockedSource } from '../stages/lock/lock-file.js';

interface Flags {
  json?: boolean;
  yes?: boolean;
  frozen?: boolean;
  offline?: boolean;
  for?: string[];
}

const io = { run, log: (line: string) => process.stderr.write(`${line}\n`) };

/** The locks beside the given specs; a spec without one is an error naming it. */
async function locksOf(specs: readonly string[]): Promise<{ file: string; lock: Lock }[]> {
  const out: { file: string; lock: Lock }[] = [];
  for (const spec of specs) {
    const found = await readLock(spec);
    if (found === undefined)
      throw new SpecError({
        file: lockFileFor(spec),
        message: 'no lock file',
        hint: `run \`lvs-image lock ${spec}\``,
      });
    out.push({ file: found.file, lock: found.lock });
  }
  return out;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Registers `sources` and its sub-commands. */
export function register(program: Command): void {
  const sources = program
    .command('sources')
    .description(
      'the source store: every tarball builds use, kept by sha256 (list, fetch, export, import, gc)',
    );

  sources
    .command('list')
    .description("what the store holds: size, origins, and which of the given specs' locks use each")
    .argument('[spec...]', 'specs whose locks to match against')
    .action(async (specs: string[], _o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<Flags>();
      const store = sourceStoreDir();
      const users = usersOf(await locksOf(specs));
      const entries = (await listStored(store)).map((e) => ({ ...e, usedBy: users.get(e.sha256) ?? [] }));
      if (flags.json === true) {
        printJson({ ok: true, store, sources: entries });
        return;
      }
      process.stdout.write(`${store}: ${entries.length} source(s)\n`);
      for (const e of entries) {
        const origins = e.origins.map(describeOrigin).join(', ');
        const used = specs.length > 0 ? `  used by: ${e.usedBy.join(', ') || 'none of the given locks'}` : '';
        process.stdout.write(
          `${e.sha256.slice(0, 12)}  ${mib(e.size).padStart(10)}  ${e.file}  (${origins})${used}\n`,
        );
      }
    });

  sources
    .command('fetch')
    .description("get every source the specs need into the store (with --frozen: exactly the locks' bytes)")
    .argument('<spec...>', 'spec files')
    .option('--frozen', "the lock's bytes and versions, not what the spec's sources serve now")
    .option('--offline', 'fetch nothing over the network')
    .action(async (specs: string[], _o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<Flags>();
      const results = [];
      for (const file of specs) {
        const { spec } = await loadSpec(file);
        const lock = flags.frozen === true ? (await locksOf([file]))[0] : undefined;
        const got = await provideSources(planSources(spec, path.dirname(file), lock), io, {
          offline: flags.offline === true || offlineFromEnv(),
          specFile: file,
        });
        results.push({ spec: file, sources: Object.values(got) });
      }
      if (flags.json === true) {
        printJson({ ok: true, store: sourceStoreDir(), results });
        return;
      }
      for (const r of results)
        for (const s of r.sources)
          process.stdout.write(
            `${r.spec}: ${s.name} ${describeOrigin(s.origin)} ${s.sha256.slice(0, 12)} (${s.via})\n`,
          );
    });

  sources
    .command('export')
    .description(
      "copy every source the specs' locks name into DIR, with a manifest, to carry to a build host",
    )
    .argument('<args...>', 'SPEC... DIR')
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<Flags>();
      const dir = args.at(-1);
      const specs = args.slice(0, -1);
      if (dir === undefined || specs.length === 0)
        throw new SpecError({
          message: 'sources export needs at least one SPEC and a DIR',
          hint: 'lvs-image sources export images/dsas-lv1.yaml /media/usb/sources',
        });
      const manifest = await exportSources(sourceStoreDir(), await locksOf(specs), dir);
      if (flags.json === true) {
        printJson({ ok: true, dir, ...manifest });
        return;
      }
      for (const e of manifest.sources)
        process.stdout.write(`${e.sha256.slice(0, 12)}  ${e.file}  (${describeOrigin(e.origin)})\n`);
      process.stdout.write(
        `${dir}: ${manifest.sources.length} source(s); import with \`lvs-image sources import ${dir}\`\n`,
      );
    });

  sources
    .command('import')
    .description(
      'store folders made by `sources export` and loose tarballs, each checked against its sha256 first',
    )
    .argument('<path...>', 'exported folders or tarballs')
    .option('--for <spec...>', 'specs whose locks name the loose tarballs')
    .action(async (paths: string[], _o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<Flags>();
      const known = new Map<string, LockedSource>();
      for (const { lock } of await locksOf(flags.for ?? []))
        for (const { source } of lockedSources(lock)) known.set(source.sha256, source);
      const stored = await importSources(sourceStoreDir(), paths, known);
      if (flags.json === true) {
        printJson({ ok: true, store: sourceStoreDir(), imported: stored });
        return;
      }
      for (const e of stored) process.stdout.write(`stored ${e.sha256.slice(0, 12)}  ${e.file}\n`);
    });

  sources
    .command('gc')
    .description("remove what no given spec's lock names (a dry run unless --yes)")
    .argument('[spec...]', 'specs whose locked sources to keep')
    .option('--yes', 'remove them')
    .action(async (specs: string[], _o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<Flags>();
      const store = sourceStoreDir();
      const keep = new Set(usersOf(await locksOf(specs)).keys());
      const doomed = await planGc(store, keep);
      if (flags.yes === true) await applyGc(store, doomed);
      const bytes = doomed.reduce((n, e) => n + e.size, 0);
      if (flags.json === true) {
        printJson({ ok: true, store, removed: flags.yes === true, sources: doomed, bytes });
        return;
      }
      for (const e of doomed)
        process.stdout.write(`${e.sha256.slice(0, 12)}  ${mib(e.size).padStart(10)}  ${e.file}\n`);
      const verb = flags.yes === true ? 'removed' : 'would remove (dry run; --yes removes)';
      process.stdout.write(`${verb} ${doomed.length} source(s), ${mib(bytes)}\n`);
    });
}
