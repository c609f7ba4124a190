/**
 * A prebuilt kernel (e.g. Debian's linux-image-amd64): its release read from the bzImage header, its config
 * checked against what the spec needs (every required symbol y or m), its IPVS version from its headers.
 */
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelArtifacts, StageIo } from '../../context.js';
import { BuildError } from '../../lib/errors.js';
import { sha256File } from '../../lib/fs.js';
import { parseKconfig } from '../../lib/kconfig.js';
import { kernelAtLeast } from '../../lib/kernel-version.js';
import type { PrebuiltKernel } from '../../spec/types.js';
import { platformLines } from '../../hardware/catalog.js';
import type { PlatformModule } from '../../hardware/selection.js';
import { loadBaseLines } from './catalog.js';
import type { FragmentLine } from './fragment-lines.js';
import { readIpvsVersionCode } from './ipvs-version.js';

/**
 * Rule for kernels without headers: IP_VS_VERSION_CODE has been 0x010201 (1.2.1) in every kernel from
 * 2.6.10 on (lvs-facts.md §3a), so a prebuilt kernel of 2.6.10 or later without headers is taken as 1.2.1 and
 * the log says so. Older kernels without headers are refused.
 */
export const IPVS_CODE_SINCE_2_6_10 = { since: '2.6.10', code: 0x010201 } as const;

/**
 * The release string from a bzImage (Documentation/x86/boot.rst): the setup header has "HdrS" at 0x202 and
 * a 16-bit `kernel_version` at 0x20E pointing (minus 0x200) to "6.1.0-56-amd64 (builder) #1 SMP ...".
 */
export function readBzImageRelease(head: Uint8Array): string | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buf.length < 0x210 || buf.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const ptr = buf.readUInt16LE(0x20e);
  if (ptr === 0 || ptr + 0x200 >= buf.length) return undefined;
  const start = ptr + 0x200;
  const end = buf.indexOf(0, start);
  const text = buf.toString('latin1', start, end < 0 ? Math.min(buf.length, start + 256) : end);
  return text.split(' ')[0] || undefined;
}

/** Required symbols (y/m lines) missing from a prebuilt kernel's config, as `SYMBOL (wanted v, found x)`. */
export function findMissingSymbols(lines: readonly FragmentLine[], config: Map<string, string>): string[] {
  return lines
    .filter((l) => l.value === 'y' || l.value === 'm')
    .filter((l) => config.get(l.symbol) !== 'y' && config.get(l.symbol) !== 'm')
    .map(
      (l) =>
        `CONFIG_${l.symbol} (${config.has(l.symbol) ? 'not set' : 'absent'}; needed: ${l.reasons.join('; ')})`,
    );
}

/** Checks a prebuilt kernel against the fragment lines it must have and returns its artifacts. */
export async function checkPrebuiltKernel(
  prebuilt: PrebuiltKernel,
  fragment: { lines: FragmentLine[]; kernelVersion: string },
  io: StageIo,
  opts: { logFile: string; step: (name: string, run: () => Promise<void>) => Promise<void> },
  platform: readonly PlatformModule[] = [],
): Promise<KernelArtifacts> {
  const fh = await open(prebuilt.vmlinuz, 'r').catch(() => {
    throw new BuildError(`cannot read the prebuilt kernel ${prebuilt.vmlinuz}`, {
      hint: 'check kernel.prebuilt.vmlinuz (e.g. /vmlinuz from linux-image-amd64)',
    });
  });
  const head = Buffer.alloc(64 * 1024);
  await fh.read(head, 0, head.length, 0).finally(() => fh.close());
  const release = readBzImageRelease(head);
  if (!release)
    throw new BuildError(
      `${prebuilt.vmlinuz} is not a bzImage with a kernel_version string (no "HdrS" setup header)`,
    );
  const modules = prebuilt.modules ?? `/lib/modules/${release}`;
  const config = prebuilt.config ?? `/boot/config-${release}`;
  if (!existsSync(config))
    throw new BuildError(`no config for prebuilt kernel ${release} at ${config}`, {
      hint: 'set kernel.prebuilt.config',
    });
  const values = parseKconfig(await readFile(config, 'utf8'));
  // Base lines a prebuilt kernel may lack: /init mounts devtmpfs itself, a distro kernel has its own console setup
  // and platform choices (hardware/platform.json is what lvs-image builds; Debian's differ, e.g. no SYSFB_SIMPLEFB).
  // Its NIC drivers are checked: a driver the spec selects must be there.
  const optional = new Set([
    ...loadBaseLines(fragment.kernelVersion)
      .filter((l) => l.prebuilt === 'optional')
      .map((l) => l.symbol),
    ...platformLines().map((l) => l.symbol),
  ]);
  await opts.step('verify', () => {
    // The platform modules the image carries (the watchdog drivers) are not optional: the image coldplugs them.
    const carried = platform.map((m) => ({
      symbol: m.symbol,
      value: 'm',
      reasons: [
        `hardware/platform.json ${m.group}: module ${m.module}, carried and coldplugged${m.group === 'watchdog' ? ' (or set hardware.watchdog: false)' : ''}`,
      ],
    }));
    const missing = findMissingSymbols(
      [...fragment.lines.filter((l) => !optional.has(l.symbol)), ...carried],
      values,
    );
    if (missing.length > 0) {
      throw new BuildError(
        `the prebuilt kernel ${release} (${config}) lacks ${missing.length} required option${missing.length === 1 ? '' : 's'}:\n${missing.map((m) => `  ${m}`).join('\n')}`,
        {
          hint: 'use a kernel built with these options, or build one from source (kernel.source)',
          logFile: opts.logFile,
        },
      );
    }
    return Promise.resolve();
  });
  const headerDirs = [path.join(modules, 'build'), `/usr/src/linux-headers-${release}`];
  const found = headerDirs.map((d) => ({ d, v: readIpvsVersionCode(d) })).find((x) => x.v !== undefined);
  let ipvsVersionCode: number;
  if (found?.v) ipvsVersionCode = found.v.code;
  else if (kernelAtLeast(release.replace(/[-+].*$/, ''), IPVS_CODE_SINCE_2_6_10.since)) {
    ipvsVersionCode = IPVS_CODE_SINCE_2_6_10.code;
    io.log(
      `IPVS version of ${release}: no headers in ${headerDirs.join(' or ')}; taking 1.2.1, the IP_VS_VERSION_CODE of every kernel since 2.6.10`,
    );
  } else {
    throw new BuildError(
      `cannot tell the IPVS version of prebuilt kernel ${release}: no ip_vs.h headers in ${headerDirs.join(' or ')}`,
      { hint: 'install its headers package' },
    );
  }
  return {
    release,
    image: prebuilt.vmlinuz,
    ...(existsSync(modules) ? { modulesRoot: modulesRootOf(modules, release) } : {}),
    ...(existsSync(path.join(modules, 'modules.builtin.modinfo'))
      ? { builtinModinfo: path.join(modules, 'modules.builtin.modinfo') }
      : {}),
    config,
    ipvsVersionCode,
    ...(found ? { headersDir: found.d } : {}),
    sourceSha256: await sha256File(prebuilt.vmlinuz),
    origin: prebuilt.vmlinuz,
  };
}

/** The INSTALL_MOD_PATH-style root of a `<root>/lib/modules/<release>` folder (`/` for /lib/modules/...). */
function modulesRootOf(modules: string, release: string): string {
  const suffix = path.join('lib/modules', release);
  const abs = path.resolve(modules);
  if (!abs.endsWith(suffix)) {
    throw new BuildError(`kernel.prebuilt.modules ${modules} is not a <root>/lib/modules/${release} folder`, {
      hint: `point it at .../lib/modules/${release}`,
    });
  }
  return abs.slice(0, abs.length - suffix.length) || '/';
}
