/**
 * Issue 12 (health checks with keepalived), two figures from one run:
 *
 * 1. Initrd size of images/checked-example.yaml (lv4, a static keepalived 2.2.7 owning the IPVS table) against
 *    dsas-lv1's initrd without keepalived and against a Debian-style peer: `mkinitramfs` MODULES=netboot (private
 *    config) plus a cpio of Debian's packaged keepalived and every library of its DT_NEEDED closure that the
 *    mkinitramfs image lacks (bench/_debian-keepalived.ts), both compressed as ours is (`--peer-compression`
 *    overrides). Goal: ours <= 3.5 MB.
 * 2. Detection and recovery: `lvs-image lab images/checked-example.yaml --json --via direct` N times (root);
 *    per phase the median measured seconds against the configured bound, and the failed requests.
 *
 *   node --import tsx bench/keepalived.ts [--runs 3] [--repo DIR] [--initrd FILE] [--lv1-initrd FILE]
 *                                         [--peer-compression gzip|xz|zstd] [--only size|lab]
 *
 * `--repo` is the checkout whose `out/` holds the built images and from which the lab runs (default: this one);
 * build them there first: `node --import tsx src/cli.ts build images/checked-example.yaml` (and dsas-lv1.yaml).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RootfsEntry } from '../src/lib/cpio.js';
import { run } from '../src/lib/exec.js';
import { packInitramfs, type Compression } from '../src/stages/initramfs.js';
import { DEBIAN_RELEASE } from '../test/_helpers/debian-kernel.js';
import { fetchDebianKeepalived, type DebianKeepalived } from './_debian-keepalived.js';
import { median, parseLabFigures, type PhaseFigure } from './_lab-figures.js';
import { initrdCompression, initrdFiles } from './_initrd.js';
import { mkinitramfsNetboot } from './_mkinitramfs.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Math.min(Math.max(Math.floor(Number(flag('--runs') ?? 3)) || 3, 1), 20);
const REPO = path.resolve(flag('--repo') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const OURS = path.resolve(flag('--initrd') ?? path.join(REPO, 'out/checked-example/lv4/lv4-initrd.img'));
const LV1 = path.resolve(flag('--lv1-initrd') ?? path.join(REPO, 'out/dsas/lv1/lv1-initrd.img'));
const ONLY = flag('--only');
const SPEC = 'images/checked-example.yaml';
const GOAL_BYTES = 3.5e6;
const LAB_TIMEOUT_MS = 30 * 60_000;
const LIB_DIR = 'usr/lib/x86_64-linux-gnu';

const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function listInitrd(file: string): Set<string> {
  const r = spawnSync('lsinitramfs', [file], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lsinitramfs ${file}: status ${r.status}\n${r.stderr}`);
  return new Set(r.stdout.split('\n'));
}

interface Peer {
  bytes: number;
  mkBytes: number;
  extraBytes: number;
  ka: DebianKeepalived;
  /** Sonames of the closure the mkinitramfs image already had (not added again). */
  already: string[];
}

/** mkinitramfs netboot with Debian's keepalived and the libraries the image lacks appended as a cpio. */
async function buildDebianPeer(work: string, compression: Compression): Promise<Peer> {
  const mk = path.join(work, 'mkinitramfs.img');
  process.stderr.write(`mkinitramfs netboot, ${compression}, ${DEBIAN_RELEASE} ...\n`);
  const { bytes: mkBytes } = mkinitramfsNetboot(work, DEBIAN_RELEASE, mk, compression);
  const inImage = listInitrd(mk);
  process.stderr.write("Debian's keepalived: apt-get download, dpkg-deb -x into a temp root ...\n");
  const ka = fetchDebianKeepalived(work);
  const already = ka.libs.filter((l) => inImage.has(`${LIB_DIR}/${l.soname}`)).map((l) => l.soname);
  const file = (p: string, src: string, mode: number): RootfsEntry => ({
    type: 'file',
    path: p,
    mode,
    data: { file: src, size: statSync(src).size },
  });
  const entries: RootfsEntry[] = [
    ...['/usr', '/usr/sbin', '/usr/lib', `/${LIB_DIR}`].map((p): RootfsEntry => ({
      type: 'dir',
      path: p,
      mode: 0o755,
    })),
    file('/usr/sbin/keepalived', ka.binary, 0o755),
    ...ka.libs
      .filter((l) => !already.includes(l.soname))
      .map((l) => file(`/${LIB_DIR}/${l.soname}`, l.file, 0o644)),
  ];
  const extra = path.join(work, 'keepalived.cpio');
  await packInitramfs(entries, { compression, epoch: 1700000000, parts: 1 }, extra);
  const peer = path.join(work, 'peer.img');
  copyFileSync(mk, peer);
  appendFileSync(peer, readFileSync(extra));
  return { bytes: statSync(peer).size, mkBytes, extraBytes: statSync(extra).size, ka, already };
}

async function sizeFigure(): Promise<void> {
  for (const f of [OURS, LV1])
    if (!existsSync(f))
      throw new Error(
        `${f} is missing: build it in ${REPO} (node --import tsx src/cli.ts build SPEC) or pass its path`,
      );
  if (!initrdFiles(OURS).has('usr/sbin/keepalived'))
    throw new Error(`${OURS} holds no usr/sbin/keepalived: is it the initrd of ${SPEC}?`);
  const oursC = initrdCompression(OURS);
  const peerC =
    (flag('--peer-compression') as Compression | undefined) ?? (oursC === 'none' ? 'gzip' : oursC);
  const work = mkdtempSync(path.join(tmpdir(), 'lvs-bench-keepalived-'));
  try {
    const ours = statSync(OURS).size;
    const sha = createHash('sha256').update(readFileSync(OURS)).digest('hex').slice(0, 12);
    const peer = await buildDebianPeer(work, peerC);
    const lv1 = statSync(LV1).size;
    out(`\ninitrd size, ${realpathSync(OURS)} (sha256 ${sha}...), load average ${loadavg()}`);
    out(
      table(
        ['initrd', 'size', 'ours / it', 'goal'],
        [
          [
            `lvs-image checked-example lv4, static keepalived 2.2.7, ${oursC}`,
            mb(ours),
            '',
            `<= ${mb(GOAL_BYTES)}`,
          ],
          [
            `lvs-image dsas-lv1, no keepalived, ${initrdCompression(LV1)}`,
            mb(lv1),
            (ours / lv1).toFixed(2),
            '',
          ],
          [
            `mkinitramfs netboot ${mb(peer.mkBytes)} + Debian keepalived cpio ${mb(peer.extraBytes)}, ${peerC}`,
            mb(peer.bytes),
            (ours / peer.bytes).toFixed(3),
            '',
          ],
        ],
      ),
    );
    out(`goal ours <= 3.5 MB: ${ours <= GOAL_BYTES ? 'met' : 'NOT met'}`);
    const { ka } = peer;
    const fromDeb = ka.libs.filter((l) => l.from === 'deb').length;
    out(
      `Debian keepalived: ${ka.direct.length} DT_NEEDED (${ka.direct.join(' ')}); closure ${ka.libs.length} ` +
        `libraries (${fromDeb} from .debs, ${ka.libs.length - fromDeb} from the host; ${peer.already.length} ` +
        `already in the mkinitramfs image: ${peer.already.join(' ')}):\n  ${ka.libs.map((l) => l.soname).join(' ')}`,
    );
    out(`packages downloaded (${ka.packages.length}): ${ka.packages.join(' ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function labFigure(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('\ndetection and recovery: skipped (the lab needs root)');
    return;
  }
  const logs = mkdtempSync(path.join(tmpdir(), 'lvs-bench-keepalived-lab-'));
  // The lab boots whatever `out/` holds when it starts: name the release, and say so if a build replaced it.
  const site = path.join(REPO, 'out/checked-example');
  const release = existsSync(site) ? realpathSync(site) : site;
  const runs: PhaseFigure[][] = [];
  for (let i = 1; i <= RUNS; i++) {
    process.stderr.write(
      `lab ${i}/${RUNS}: ${SPEC} --via direct in ${REPO} (log ${logs}/lab-${i}.log) ...\n`,
    );
    const args = ['--import=tsx', 'src/cli.ts', 'lab', SPEC, '--json', '--via', 'direct'];
    const r = await run(process.execPath, args, {
      cwd: REPO,
      reject: false,
      timeoutMs: LAB_TIMEOUT_MS,
      logFile: path.join(logs, `lab-${i}.log`),
    });
    let parsed: ReturnType<typeof parseLabFigures> | undefined;
    try {
      parsed = parseLabFigures(r.stdout);
    } catch {
      process.stderr.write(`lab ${i}: exit ${r.exitCode}, no JSON on stdout; see ${logs}/lab-${i}.log\n`);
    }
    if (parsed !== undefined && !parsed.ok)
      process.stderr.write(`lab ${i}: failed: ${(parsed.problem ?? '').split('\n')[0]}\n`);
    runs.push(parsed?.phases ?? []);
  }
  const names = [...new Set(runs.flat().map((p) => p.name))];
  const rows = names.map((name) => {
    const ps = runs.map((r) => r.find((p) => p.name === name));
    const secs = ps.flatMap((p) => (p?.seconds === undefined ? [] : [p.seconds]));
    const bound = ps.find((p) => p?.boundS !== undefined)?.boundS;
    const m = secs.length > 0 ? median(secs) : undefined;
    const each = (f: (p: PhaseFigure) => string): string => ps.map((p) => (p ? f(p) : '-')).join(' ');
    return [
      name,
      m === undefined ? '-' : `${m.toFixed(1)} s`,
      bound === undefined ? '-' : `${bound} s`,
      m === undefined || bound === undefined ? '-' : (m / bound).toFixed(2),
      each((p) => (p.seconds === undefined ? '-' : p.seconds.toFixed(1))),
      each((p) => `${p.failedDuring ?? '?'}/${p.requestsDuring ?? '?'}`),
      each((p) => String(p.failedAfter ?? '?')),
      `${ps.filter((p) => p?.ok).length}/${RUNS}`,
    ];
  });
  out(
    `\ndetection and recovery, ${SPEC} --via direct, median of ${RUNS} lab runs, load average ${loadavg()}`,
  );
  out(
    table(
      ['phase', 'median', 'bound', 'median / bound', 'each run (s)', 'failed during', 'failed after', 'ok'],
      rows,
    ),
  );
  out(`image: ${release}; lab logs: ${logs}`);
  const now = existsSync(site) ? realpathSync(site) : site;
  if (now !== release)
    out(`WARNING: ${site} changed during the runs (now ${now}): the runs booted different builds`);
}

if (ONLY !== 'lab') await sizeFigure();
if (ONLY !== 'size') await labFigure();
