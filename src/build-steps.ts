/**
 * The build's steps, one function per listr2 task in src/pipeline.ts: each calls one stage with what the
 * context holds and stores the result. Per-director loops live here so that task bodies stay one call.
 */
import { appendFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildContext } from './build-context.js';
import { need } from './build-context.js';
import { InternalError } from './lib/errors.js';
import { directorStateFromSpec, formatState, rootfsFileStates } from './diff/state.js';
import { sha256, sha256File, writeFileAtomic } from './lib/fs.js';
import { planImage } from './plan.js';
import { BUSYBOX, runPreflight } from './preflight.js';
import { indexesOfKey } from './spec/authorized-keys.js';
import { loadSpec } from './spec/load.js';
import { packInitramfs } from './stages/initramfs.js';
import { provideIpvsadm } from './stages/ipvsadm.js';
import {
  ensureHostKeys,
  LAB_KEY,
  provideDropbear,
  secretsDirFor,
  type DropbearArtifacts,
  type HostKey,
} from './stages/dropbear.js';
import { sshHostKeyPath, sshListen } from './director/access.js';
import { KNOWN_HOSTS, knownHostsLine } from './layout.js';
import type { RootfsEntry } from './lib/cpio.js';
import { provideBusybox } from './stages/busybox.js';
import { provideKeepalived } from './stages/keepalived.js';
import { testKeepalivedConfig } from './stages/keepalived/config-test.js';
import { provideKernel } from './stages/kernel.js';
import { generateKernelFragment } from './stages/kernel-config.js';
import { checkLock, readLock } from './stages/lock.js';
import { planSources, provideSources } from './stages/sources.js';
import { describeOrigin } from './stages/sources/origin.js';
import { buildManifest, formatManifest } from './stages/manifest.js';
import { makeSiteStaging, publishRelease } from './stages/publish.js';
import { emitPxeFiles, loadPxeTemplates } from './stages/pxe.js';
import { DEFAULT_TEMPLATES_DIR, renderFiles } from './stages/render.js';
import { assembleRootfs } from './stages/rootfs.js';

const require = createRequire(import.meta.url);
const VERSION = (require('../package.json') as { version: string }).version;
/** Where keepalived and its config sit in a director's root. */
const KEEPALIVED_BINARY = '/usr/sbin/keepalived';
const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';
/** Where dropbear sits in a director's root. */
const DROPBEAR_BINARY = '/usr/sbin/dropbear';

/** A director's SSH host key as a root file entry (mode 0600, at dropbear's default path for its type). */
async function hostKeyEntry(
  dropbear: DropbearArtifacts,
  keys: HostKey[],
  hostname: string,
): Promise<RootfsEntry> {
  const key = keys.find((k) => k.hostname === hostname);
  if (key === undefined) throw new InternalError(`no host key for ${hostname}`);
  return {
    type: 'file',
    path: sshHostKeyPath(dropbear.hostKeyType),
    mode: 0o600,
    data: await readFile(key.file),
  };
}

/** Gate 1-3: parse, schema, rules (throws SpecError; nothing is written). */
export async function validateStep(ctx: BuildContext): Promise<void> {
  ctx.loaded = await loadSpec(ctx.options.specFile);
  for (const w of ctx.loaded.warnings) ctx.io.log(`warning: ${w.pointer ?? ''}: ${w.message}`);
}

/** The pure plan of the whole build. */
export function planStep(ctx: BuildContext): void {
  const overrides = ctx.options.epoch !== undefined ? { epoch: ctx.options.epoch } : {};
  ctx.plan = planImage(need(ctx.loaded, 'spec').spec, overrides);
}

/** Gate 4: host tools, bootloaders, output folder, local sources. */
export async function preflightStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  ctx.host = await runPreflight(loaded.spec, loaded.file, ctx.options.outDir, ctx.io.run);
}

/** The lock file's hash for the manifest; with `--frozen`, the lock checked against the spec (no network). */
export async function lockStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  ctx.lockSha256 = (await readLock(loaded.file))?.sha256;
  if (!ctx.options.frozen) return;
  ctx.locked = await checkLock(loaded.file, loaded.spec, ctx.io, ctx.host?.compiler);
}

/** Every source into the store (a frozen build: exactly the locked bytes), or one error before any work. */
export async function sourcesStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const requests = planSources(loaded.spec, path.dirname(loaded.file), ctx.locked);
  ctx.sources = await provideSources(requests, ctx.io, {
    offline: ctx.options.offline,
    specFile: loaded.file,
  });
  for (const s of Object.values(ctx.sources))
    ctx.io.log(`${s.name}: ${describeOrigin(s.origin)} ${s.sha256.slice(0, 12)} (${s.via})`);
}

/** Opens the build log in the output folder (the first write there). */
export async function logStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const logFile = path.join(ctx.options.outDir, '.logs', `${loaded.spec.name}-build.log`);
  await mkdir(path.dirname(logFile), { recursive: true });
  await writeFile(logFile, `lvs-image ${VERSION} build ${loaded.file}\n`);
  ctx.logFile = logFile;
  for (const s of Object.values(need(ctx.sources, 'sources')))
    appendFileSync(
      logFile,
      `source ${s.name}: ${describeOrigin(s.origin)} sha256 ${s.sha256} ${s.path} (${s.via})\n`,
    );
}

/** The kernel config fragment, written to the log for the record. */
export function kernelConfigStep(ctx: BuildContext): void {
  const fragment = generateKernelFragment(need(ctx.loaded, 'spec').spec);
  appendFileSync(
    need(ctx.logFile, 'log file'),
    `--- kernel config fragment (${fragment.era}, ${fragment.lines.length} lines) ---\n${fragment.text}\n`,
  );
}

/** The kernel, from the shared build cache (each of its steps caches its own answer) or built. */
export async function kernelStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const opts = {
    logFile: need(ctx.logFile, 'log file'),
    onStep: ctx.io.log,
    specDir: path.dirname(loaded.file),
    source: need(ctx.sources, 'sources').kernel,
    ...(ctx.options.jobs !== undefined ? { jobs: ctx.options.jobs } : {}),
  };
  ctx.kernel = await provideKernel(loaded.spec, ctx.io, opts);
}

/** ipvsadm matched to the kernel's IPVS version, from the shared cache or built. */
export async function ipvsadmStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const opts = {
    logFile: need(ctx.logFile, 'log file'),
    allowIpvsMismatch: ctx.options.allowIpvsMismatch,
    specDir: path.dirname(loaded.file),
    source: need(need(ctx.sources, 'sources').ipvsadm, 'ipvsadm source'),
  };
  ctx.ipvsadm = await provideIpvsadm(loaded.spec, need(ctx.kernel, 'kernel'), ctx.io, opts);
}

/** keepalived from pinned source when a director runs it (health checks); otherwise nothing to build. */
export async function keepalivedStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const pin = loaded.spec.keepalived;
  if (need(ctx.plan, 'plan').keepalived === null || pin === undefined) {
    ctx.keepalived = null;
    ctx.io.log('no director runs keepalived');
    return;
  }
  ctx.keepalived = await provideKeepalived(pin, ctx.io, {
    logFile: need(ctx.logFile, 'log file'),
    specDir: path.dirname(loaded.file),
    source: need(need(ctx.sources, 'sources').keepalived, 'keepalived source'),
  });
}

/** dropbear from pinned source and each director's host key (made once, in the secrets folder) when the spec gives access.ssh. */
export async function dropbearStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const plan = need(ctx.plan, 'plan');
  const pin = loaded.spec.dropbear;
  if (plan.dropbear === null || pin === undefined) {
    ctx.ssh = null;
    ctx.io.log('no access.ssh: no SSH server');
    return;
  }
  const dropbear = await provideDropbear(pin, ctx.io, {
    logFile: need(ctx.logFile, 'log file'),
    specDir: path.dirname(loaded.file),
    source: need(need(ctx.sources, 'sources').dropbear, 'dropbear source'),
  });
  const labPublic = await readFile(`${LAB_KEY}.pub`, 'utf8').catch(() => '');
  for (const i of indexesOfKey(loaded.spec.access?.ssh?.authorizedKeys ?? [], labPublic))
    ctx.io.log(
      `WARNING: access.ssh.authorizedKeys[${i}] is the lab key, whose private half is public (images/lab-keys): anyone can log in as root; for the lab only`,
    );
  const dir = ctx.options.secretsDir ?? secretsDirFor(loaded.file, plan.site);
  const hostKeys = await ensureHostKeys({
    dropbear,
    dir,
    hostnames: plan.directors.map((d) => d.hostname),
    io: ctx.io,
  });
  ctx.ssh = { dropbear, hostKeys };
}

/** busybox's extra applets (ntpd) from pinned source when the spec gives access.ntp. */
export async function busyboxStep(ctx: BuildContext): Promise<void> {
  const loaded = need(ctx.loaded, 'spec');
  const pin = loaded.spec.busybox;
  if (need(ctx.plan, 'plan').busybox === null || pin === undefined) {
    ctx.busybox = null;
    ctx.io.log('no access.ntp: no extra busybox applets');
    return;
  }
  ctx.busybox = await provideBusybox(pin, ctx.io, {
    logFile: need(ctx.logFile, 'log file'),
    specDir: path.dirname(loaded.file),
    source: need(need(ctx.sources, 'sources').busybox, 'busybox source'),
  });
}

/** The built keepalived checks every rendered keepalived.conf (`keepalived -t`) among the director's interfaces. */
export async function configCheckStep(ctx: BuildContext): Promise<void> {
  const keepalived = need(ctx.keepalived, 'keepalived');
  if (keepalived === null) return;
  const spec = need(ctx.loaded, 'spec').spec;
  const work = await mkdtemp(path.join(tmpdir(), 'lvs-keepalived-t-'));
  try {
    for (const d of need(ctx.plan, 'plan').directors) {
      const conf = need(ctx.rendered, 'rendered files')[d.hostname]?.find((f) => f.path === KEEPALIVED_CONF);
      if (conf === undefined) continue;
      const file = path.join(work, `${d.hostname}-keepalived.conf`);
      await writeFile(file, conf.content);
      const director = spec.directors.find((x) => x.hostname === d.hostname);
      const result = await testKeepalivedConfig({
        binary: keepalived.binary,
        configFile: file,
        interfaces: (director?.interfaces ?? []).map((i) => i.name),
        run: ctx.io.run,
        label: `${d.hostname}:${KEEPALIVED_CONF}`,
      });
      ctx.io.log(
        `${d.hostname}: keepalived -t accepts ${KEEPALIVED_CONF}${result.warnings.length > 0 ? ` (${result.warnings.length} warnings)` : ''}`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every director's configuration files from the templates. */
export function renderStep(ctx: BuildContext): void {
  const plan = need(ctx.plan, 'plan');
  const render = (files: (typeof plan.directors)[number]['files']) =>
    renderFiles(files, DEFAULT_TEMPLATES_DIR, ctx.options.templatesDir);
  ctx.rendered = Object.fromEntries(plan.directors.map((d) => [d.hostname, render(d.files)]));
}

/** A fresh staging folder for the site root (stale ones of killed builds are removed). */
export async function stagingStep(ctx: BuildContext): Promise<void> {
  ctx.root = await makeSiteStaging(ctx.options.outDir);
}

/** Every director's root filesystem entries. */
export async function rootfsStep(ctx: BuildContext): Promise<void> {
  const plan = need(ctx.plan, 'plan');
  const rendered = need(ctx.rendered, 'rendered files');
  const kernel = need(ctx.kernel, 'kernel');
  const ipvsadm = need(ctx.ipvsadm, 'ipvsadm');
  const keepalived = need(ctx.keepalived, 'keepalived');
  const ssh = need(ctx.ssh, 'ssh');
  const busybox = need(ctx.busybox, 'busybox');
  const entries = await Promise.all(
    plan.directors.map(async (d) =>
      assembleRootfs({
        hostname: d.hostname,
        rendered: rendered[d.hostname] ?? [],
        ipvsadm,
        kernel,
        busybox: BUSYBOX,
        modules: d.modules,
        extraBinaries: d.extraBinaries,
        programs: [
          ...(keepalived !== null && d.mode === 'keepalived'
            ? [{ path: KEEPALIVED_BINARY, binary: keepalived.binary, libraries: keepalived.libraries }]
            : []),
          ...(ssh !== null
            ? [{ path: DROPBEAR_BINARY, binary: ssh.dropbear.binary, libraries: ssh.dropbear.libraries }]
            : []),
          // One busybox binary per applet name (busybox runs the applet its argv[0] names).
          ...(busybox?.applets ?? []).map((a) => ({
            path: `/usr/sbin/${a}`,
            binary: busybox?.binary ?? '',
            libraries: busybox?.libraries ?? [],
          })),
        ],
        secrets: ssh === null ? [] : [await hostKeyEntry(ssh.dropbear, ssh.hostKeys, d.hostname)],
      }),
    ),
  );
  ctx.rootfs = Object.fromEntries(plan.directors.map((d, i) => [d.hostname, entries[i] ?? []]));
}

/** Every director's initrd, packed into the staging root. */
export async function initramfsStep(ctx: BuildContext): Promise<void> {
  const plan = need(ctx.plan, 'plan');
  const root = need(ctx.root, 'staging root');
  const kernelConfig = await readFile(need(ctx.kernel, 'kernel').config, 'utf8');
  for (const d of plan.directors) {
    const entries = need(ctx.rootfs, 'rootfs')[d.hostname] ?? [];
    const opts = { compression: plan.image.compression, epoch: plan.image.epoch, kernelConfig };
    await packInitramfs(entries, opts, path.join(root, d.outputs.initrd));
  }
}

/** The kernel and command line per director, and the site's PXE/iPXE/GRUB files and bootloaders. */
export async function pxeStep(ctx: BuildContext): Promise<void> {
  const plan = need(ctx.plan, 'plan');
  const root = need(ctx.root, 'staging root');
  const kernel = need(ctx.kernel, 'kernel');
  for (const d of plan.directors) {
    await mkdir(path.join(root, d.hostname), { recursive: true });
    await copyFile(kernel.image, path.join(root, d.outputs.kernel));
    await writeFileAtomic(path.join(root, d.outputs.cmdline), `${d.cmdline}\n`);
  }
  const templates = await loadPxeTemplates(ctx.options.templatesDir);
  for (const f of emitPxeFiles(plan, templates)) {
    const dest = path.join(root, f.path);
    await mkdir(path.dirname(dest), { recursive: true });
    if ('source' in f) await copyFile(f.source, dest);
    else await writeFileAtomic(dest, f.content, f.mode);
  }
}

/** Per-director manifest.json, then SHA256SUMS and the atomic switch of `out/<site>`. */
export async function publishStep(ctx: BuildContext): Promise<void> {
  const plan = need(ctx.plan, 'plan');
  const root = need(ctx.root, 'staging root');
  const loaded = need(ctx.loaded, 'spec');
  ctx.sha256 = {};
  const ssh = need(ctx.ssh, 'ssh');
  const knownHosts: string[] = [];
  for (const d of plan.directors) {
    const rels = [d.outputs.kernel, d.outputs.initrd, d.outputs.cmdline, d.outputs.ipxe];
    const files = Object.fromEntries(
      await Promise.all(rels.map(async (r) => [r, await sha256File(path.join(root, r))] as const)),
    );
    const director = loaded.spec.directors.find((x) => x.hostname === d.hostname);
    if (director === undefined) throw new InternalError(`no spec director ${d.hostname}`);
    const hostKey = ssh?.hostKeys.find((k) => k.hostname === d.hostname);
    const sshFacts =
      ssh === null || hostKey === undefined
        ? null
        : {
            dropbear: ssh.dropbear,
            link: plan.dropbear?.link ?? 'static',
            hostKey,
            listen: sshListen(loaded.spec, director),
          };
    if (sshFacts !== null)
      knownHosts.push(knownHostsLine(d.hostname, sshFacts.listen, sshFacts.hostKey.publicKey));
    const manifest = buildManifest(
      plan,
      d,
      need(ctx.kernel, 'kernel'),
      need(ctx.ipvsadm, 'ipvsadm'),
      need(ctx.keepalived, 'keepalived'),
      sshFacts,
      need(ctx.busybox, 'busybox'),
      {
        files,
        specFile: path.basename(loaded.file),
        specSha256: loaded.sha256,
        lockSha256: ctx.lockSha256,
        compiler: need(ctx.host, 'host facts').compiler,
        lvsImageVersion: VERSION,
      },
    );
    const text = formatManifest(manifest);
    await writeFileAtomic(path.join(root, d.outputs.manifest), text);
    // What `lvs-image diff` compares, so a release can be diffed without its spec.
    const state = formatState(
      directorStateFromSpec(loaded.spec, d.model, need(ctx.rendered, 'rendered files')[d.hostname] ?? [], {
        kernelRelease: need(ctx.kernel, 'kernel').release,
        files: await rootfsFileStates(need(ctx.rootfs, 'rootfs')[d.hostname] ?? []),
      }),
    );
    await writeFileAtomic(path.join(root, d.outputs.state), state);
    Object.assign(ctx.sha256, files, {
      [d.outputs.manifest]: sha256(text),
      [d.outputs.state]: sha256(state),
    });
  }
  // Every director's host key for operators' ~/.ssh/known_hosts (public halves only).
  if (knownHosts.length > 0) {
    const text = knownHosts.join('');
    await writeFileAtomic(path.join(root, KNOWN_HOSTS), text);
    ctx.sha256[KNOWN_HOSTS] = sha256(text);
  }
  ctx.published = await publishRelease(root, ctx.options.outDir, plan.site, ctx.options.keep);
}
