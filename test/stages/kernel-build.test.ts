/**
 * The kernel stage against real tools and Debian's linux-source-6.1 (integration: make, gcc, tar, xz).
 * The first run on a machine extracts the tree and builds the dsas-lv1 kernel (minutes); later runs reuse
 * the build cache.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StageIo } from '../../src/context.js';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { parseKconfig } from '../../src/lib/kconfig.js';
import { loadSpec } from '../../src/spec/load.js';
import { generateKernelFragment } from '../../src/stages/kernel-config.js';
import { provideKernel } from '../../src/stages/kernel.js';
import { configureKernel } from '../../src/stages/kernel/configure.js';
import { extractKernelSource } from '../../src/stages/kernel/source.js';
import { provideSpecSource } from '../../src/stages/sources.js';
import { DEBIAN_CONFIG } from '../_helpers/debian-kernel.js';
import { integrationTest } from '../_helpers/integration.js';

const TOOLS = ['make', 'gcc', 'tar', 'xz', 'bc', 'flex', 'bison'];
const logDir = mkdtempSync(path.join(tmpdir(), 'kernel-build-test-'));

function io(logs: string[] = []): StageIo {
  return { run, log: (l) => logs.push(l) };
}

async function debianTree(): Promise<{ treeDir: string; sha256: string }> {
  const spec = {
    kernel: { version: '6.1', source: { debian: 'linux-source-6.1' } },
    ipvsadm: { version: '1.31' },
  };
  const src = await provideSpecSource(spec as never, 'kernel', io());
  if (src === undefined) throw new Error('no kernel source');
  const located = { file: src.path, isTree: false, sha256: src.sha256, origin: src.file };
  return {
    treeDir: await extractKernelSource(located, io(), path.join(logDir, 'extract.log')),
    sha256: src.sha256,
  };
}

integrationTest(
  "the dsas-lv1 fragment as modules merged onto Debian's distro config survives the real olddefconfig",
  TOOLS,
  async (t) => {
    const { spec } = await loadSpec('images/dsas-lv1.yaml');
    // A .config base keeps its own platform (Debian: MAXSMP, iTCO_wdt a module): no platform lines are asked of it.
    const fragment = generateKernelFragment({
      ...spec,
      kernel: { ...spec.kernel, options: 'module', base: DEBIAN_CONFIG },
    });
    t.false(fragment.lines.some((l) => l.symbol === 'NR_CPUS'));
    const { treeDir, sha256 } = await debianTree();
    const base = DEBIAN_CONFIG;
    const configured = await configureKernel({
      treeDir,
      sourceSha256: sha256,
      base,
      lines: fragment.lines,
      io: io(),
      logFile: path.join(logDir, 'distro.log'),
    });
    for (const s of ['IP_VS', 'IP_VS_LC', 'IP_VS_TWOS', 'NF_CONNTRACK'])
      t.is(configured.values.get(s), 'm', s);
    for (const s of ['SERIAL_8250_CONSOLE', 'DEVTMPFS_MOUNT', 'RD_ZSTD', 'MODULES'])
      t.is(configured.values.get(s), 'y', s);
  },
);

integrationTest(
  "built in on Debian's distro config: options that IPv6 modules hold back are reported",
  TOOLS,
  async (t) => {
    const { spec } = await loadSpec('images/dsas-lv1.yaml');
    const { treeDir, sha256 } = await debianTree();
    const logFile = path.join(logDir, 'distro-builtin.log');
    const lines = generateKernelFragment(spec).lines;
    const err = await t.throwsAsync(
      configureKernel({
        treeDir,
        sourceSha256: sha256,
        base: DEBIAN_CONFIG,
        lines,
        io: io(),
        logFile,
      }),
      { instanceOf: BuildError },
    );
    t.regex(
      err.message,
      /CONFIG_NETFILTER_XT_TARGET_TEE: requested y, final m \(net\/netfilter\/Kconfig:\d+\): unmet dependency "depends on IP6_NF_IPTABLES \|\| !IP6_NF_IPTABLES" — IP6_NF_IPTABLES=m/,
    );
  },
);

integrationTest(
  'an option whose dependency the base lacks is reported with that dependency',
  TOOLS,
  async (t) => {
    const { spec } = await loadSpec('images/dsas-lv1.yaml');
    const lines = [
      ...generateKernelFragment(spec).lines,
      { symbol: 'NETFILTER_XT_MATCH_PHYSDEV', value: 'y', reasons: ['test'] },
    ];
    const { treeDir, sha256 } = await debianTree();
    const logFile = path.join(logDir, 'physdev.log');
    const err = await t.throwsAsync(
      configureKernel({ treeDir, sourceSha256: sha256, base: 'tinyconfig', lines, io: io(), logFile }),
      { instanceOf: BuildError },
    );
    t.regex(
      err.message,
      /dropped or changed 1 requested kernel option \(base tinyconfig\):\n {2}CONFIG_NETFILTER_XT_MATCH_PHYSDEV: requested y, final n \(net\/netfilter\/Kconfig:\d+\): unmet dependency "depends on BRIDGE && BRIDGE_NETFILTER" — BRIDGE=n, BRIDGE_NETFILTER=n/,
    );
    t.is(err.logFile, logFile);
  },
);

integrationTest(
  'one real kernel build (tinyconfig + dsas-lv1 fragment), reused from the cache on the second run',
  TOOLS,
  async (t) => {
    const { spec } = await loadSpec('images/dsas-lv1.yaml');
    const first = await provideKernel(spec, io(), { logFile: path.join(logDir, 'build-1.log') });
    const logs: string[] = [];
    const steps: string[] = [];
    const second = await provideKernel(spec, io(logs), {
      logFile: path.join(logDir, 'build-2.log'),
      onStep: (s) => steps.push(s),
    });
    t.true(
      logs.some((l) => l.includes('cached build')),
      `second run was not a cache hit: ${logs.join('; ')}`,
    );
    t.deepEqual(second, first);
    t.regex(second.release, /^6\.1\.192/);
    t.true(statSync(second.image).size > 500_000);
    t.is(readFileSync(second.image).toString('latin1', 0x202, 0x206), 'HdrS');
    const config = parseKconfig(readFileSync(second.config, 'utf8'));
    for (const s of [
      'IP_VS',
      'IP_VS_LC',
      'SERIAL_8250_CONSOLE',
      'DEVTMPFS',
      'RD_GZIP',
      'RD_XZ',
      'RD_ZSTD',
      'VIRTIO_PCI',
      'SMP',
      'PCI_MSI',
      'ACPI',
    ])
      t.is(config.get(s), 'y', s);
    t.is(config.get('NR_CPUS'), '512');
    // The NIC drivers are modules (hardware/nics.json), coldplugged by /init from modalias.
    for (const s of ['VIRTIO_NET', 'E1000', 'E1000E', 'IGB', 'IXGBE', 'TIGON3', 'R8169'])
      t.is(config.get(s), 'm', s);
    const modules = path.join(second.modulesRoot ?? '', 'lib/modules', second.release);
    for (const ko of ['drivers/net/virtio_net.ko', 'drivers/net/ethernet/intel/e1000e/e1000e.ko'])
      t.true(existsSync(path.join(modules, 'kernel', ko)), ko);
    t.is(second.ipvsVersionCode, 0x010201);
    t.true(existsSync(path.join(second.headersDir!, 'include/uapi/linux/ip_vs.h')));
    t.regex(second.origin, /^linux-source-6\.1 6\.1\.\d+-\S+$/, 'the Debian package and its version');
    t.deepEqual(
      steps.filter((s) => !s.endsWith('…')).map((s) => s.split(' ')[0]),
      ['extract', 'olddefconfig', 'verify'],
    );
  },
);

integrationTest(
  'a Debian package that does not exist: every place tried is named',
  ['apt-get'],
  async (t) => {
    const spec = {
      kernel: { version: '9.9', source: { debian: 'linux-source-9.9' } },
      ipvsadm: { version: '1.31' },
    };
    const err = await t.throwsAsync(provideSpecSource(spec as never, 'kernel', io()), {
      instanceOf: BuildError,
    });
    t.regex(err.message, /linux-source-9\.9 is not installed/);
    t.regex(err.message, /apt-get download linux-source-9\.9: E: /);
    t.regex(err.hint ?? '', /lvs-image lock/);
  },
);
