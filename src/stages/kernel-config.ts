/**
 * The kernel config fragment a spec needs: the diskless-director base (kernel-config/base/director.json), the
 * IPVS/netfilter symbols of its features (profile minimal, with their dependencies) or of whole menus
 * (profile full), spec.kernel.extraConfig, named for the kernel's era (2.6.16 → IP_NF_CONNTRACK...). Pure.
 *
 * Profile full is the site kernel: besides every IPVS/netfilter option it carries what every program lvs-image can
 * put in an image needs (the conditional base lines, each keepalived and dropbear release's kernel options) and the TUN
 * method's tunnel driver, so one kernel runs
 * any director of the site and adding health checks or rules to a spec does not change the kernel.
 */
import { parseKconfig } from '../lib/kconfig.js';
import { SpecError, type Problem } from '../lib/errors.js';
import { kernelAtLeast, parseKernelVersion } from '../lib/kernel-version.js';
import { DEFAULTS } from '../spec/defaults.js';
import { specUsesKeepalived } from '../spec/health-check.js';
import { PROGRAMS as OPTIONAL_PROGRAMS } from '../packages/programs.js';
import type { KernelOptionMode, KernelProfile, Spec } from '../spec/types.js';
import * as catalog from './kernel/catalog.js';
import { FragmentLines, formatFragment, type FragmentLine } from './kernel/fragment-lines.js';
import { addHardwareLines } from './kernel/hardware-lines.js';
import { parseKconfigExpr, requiredSymbols } from './kernel/kconfig-expr.js';
import { listSpecFeatures } from './kernel/spec-features.js';

export type { FragmentLine } from './kernel/fragment-lines.js';

/** A generated fragment: its lines (symbol, value, reasons) and the printable text. */
export interface KernelFragment {
  kernelVersion: string;
  era: string;
  profile: KernelProfile;
  options: KernelOptionMode;
  lines: FragmentLine[];
  /** extraConfig lines that replaced a full-profile value. */
  overrides: { symbol: string; value: string; replaced: string; source: string }[];
  text: string;
}

/** Defaults when the spec leaves them out (the loader fills them from the same table). */
const DEFAULT_PROFILE: KernelProfile = DEFAULTS.kernelProfile;
const DEFAULT_OPTIONS: KernelOptionMode = DEFAULTS.kernelOptions;

function valueFor(symbol: string, mode: KernelOptionMode, menus: catalog.MenuCatalog | undefined): string {
  const type = menus?.symbols[symbol]?.type;
  return type === 'bool' ? 'y' : mode === 'module' ? 'm' : 'y';
}

/** Generates the fragment for `spec` (or for opts.kernelVersion instead of spec.kernel.version). */
export function generateKernelFragment(spec: Spec, opts: { kernelVersion?: string } = {}): KernelFragment {
  const version = opts.kernelVersion ?? spec.kernel.version;
  const versionPointer = opts.kernelVersion !== undefined ? '--kernel-version' : '/kernel/version';
  const era = parseKernelVersion(version) ? catalog.eraOf(version) : undefined;
  if (!era) {
    throw new SpecError({
      pointer: versionPointer,
      message: `kernel version "${version}" is not a known 2.4–6.x release`,
      hint: 'write it as 6.1, 6.1.192 or 2.6.16.27',
    });
  }
  const profile = spec.kernel.profile ?? DEFAULT_PROFILE;
  const mode = spec.kernel.options ?? DEFAULT_OPTIONS;
  const problems: Problem[] = [];
  const out = new FragmentLines();
  const menus = catalog.menuCatalogFor(version);
  const typeMenus = menus ?? catalog.menuCatalogFor('6.1');
  const features = listSpecFeatures(spec);
  // Which conditional base lines apply (the `if` of base/director.json).
  // Program support (iptables, daemons) is always in profile full: see the module comment.
  const full = profile === 'full';
  const applies: Record<NonNullable<catalog.BaseLine['if']>, boolean> = {
    module: mode === 'module',
    ipip: features.some((f) => f.feature === 'forwarding:ipip'),
    iptables: features.some((f) => f.feature.startsWith('netfilter:')),
    daemons:
      specUsesKeepalived(spec) ||
      spec.access?.syslog !== undefined ||
      spec.access?.ssh !== undefined ||
      spec.access?.ntp !== undefined,
  };
  // What profile full (the site kernel) carries whatever this spec uses, so every director of a site boots one
  // kernel: every program's needs, and the tunnel driver of the TUN method.
  const siteKernel: Partial<Record<NonNullable<catalog.BaseLine['if']>, string>> = {
    iptables: 'profile full runs every program',
    daemons: 'profile full runs every program',
    ipip: 'profile full forwards by every method',
  };

  for (const l of catalog.loadBaseLines(version)) {
    const bySpec = l.if === undefined || applies[l.if];
    const byProfile = !bySpec && full && siteKernel[l.if!] !== undefined;
    if (!bySpec && !byProfile) continue;
    out.add(
      l.symbol,
      l.value === 'option' ? valueFor(l.symbol, mode, undefined) : l.value,
      'base',
      'kernel-config/base/director.json',
      byProfile ? `base (${siteKernel[l.if!]}): ${l.reason}` : `base: ${l.reason}`,
    );
  }
  const base = new Map(catalog.loadBaseLines(version).map((l) => [l.symbol, l]));

  const addWithDeps = (
    modern: string,
    origin: 'feature' | 'dependency',
    source: string,
    reason: string,
  ): void => {
    const renamed = catalog.renameFor(version, modern);
    for (const symbol of renamed.use) {
      if (!catalog.symbolExists(version, symbol)) {
        problems.push({
          pointer: source,
          message: `${symbol} does not exist in kernel ${version} (${catalog.lifespanOf(symbol)?.since ?? '?'} or later)`,
        });
        continue;
      }
      const why = renamed.reason && symbol !== modern ? `${reason} [${renamed.reason}]` : reason;
      const known = out.has(symbol);
      const b = base.get(symbol);
      out.add(
        symbol,
        b && b.value !== 'option' ? b.value : valueFor(symbol, mode, typeMenus),
        origin,
        source,
        why,
      );
      if (known || profile === 'full') continue;
      for (const dep of menus?.symbols[symbol]?.depends ?? []) {
        for (const need of requiredSymbols(parseKconfigExpr(dep))) {
          if (menus?.symbols[need] && !menus.symbols[need]?.hidden && !base.has(need)) {
            addWithDeps(need, 'dependency', source, `needed by ${symbol} (depends on ${dep})`);
          }
        }
      }
    }
  };

  const needs = catalog.loadFeatures();
  for (const use of features) {
    const need = needs[use.feature];
    if (!need) {
      problems.push({
        pointer: use.pointer,
        message: `no kernel requirements are known for "${use.feature}"`,
      });
      continue;
    }
    if (!kernelAtLeast(version, need.since)) {
      problems.push({
        pointer: use.pointer,
        message: `${use.feature} needs kernel ${need.since} or later, but kernel.version is ${version}`,
        hint: 'pin a newer kernel or drop the feature',
      });
      continue;
    }
    for (const s of need.symbols)
      addWithDeps(s, 'feature', use.pointer, `spec uses ${use.feature} (${use.pointer})`);
  }

  // A program the image carries brings its own kernel needs (src/packages/<program>.json), each with its reason.
  for (const program of OPTIONAL_PROGRAMS) {
    const release = program.catalog.releases.find((r) => r.version === spec[program.name]?.version);
    if (release === undefined || !program.used(spec)) continue;
    for (const o of release.kernelOptions) {
      if (!kernelAtLeast(version, o.since) && o.olderAlwaysHave === true) continue;
      if (!kernelAtLeast(version, o.since)) {
        problems.push({
          pointer: `/${program.name}/version`,
          message: `${program.name} ${release.version} needs CONFIG_${o.symbol} (kernel ${o.since} or later), but kernel.version is ${version}`,
          hint: `pin a newer kernel or drop ${program.usedBy}`,
        });
        continue;
      }
      out.add(
        o.symbol,
        'y',
        'feature',
        `src/packages/${program.name}.json`,
        `${program.name} ${release.version}: ${o.reason}`,
      );
    }
  }

  // The machine the director runs on: platform options and NIC drivers (hardware/), both profiles.
  addHardwareLines(out, spec, version, mode);

  if (full) {
    addFullProfile(out, menus, mode, version, problems);
    // What every release of every program needs, where this kernel has it (a spec that runs one was checked above).
    for (const program of OPTIONAL_PROGRAMS)
      for (const release of program.catalog.releases)
        for (const o of release.kernelOptions) {
          if (!kernelAtLeast(version, o.since)) continue;
          out.add(
            o.symbol,
            'y',
            'profile',
            `src/packages/${program.name}.json`,
            `profile full runs every program: ${program.name} ${release.version}: ${o.reason}`,
          );
        }
  }

  (spec.kernel.extraConfig ?? []).forEach((line, i) => {
    const parsed = [...parseKconfig(line)];
    if (parsed.length !== 1) {
      problems.push({
        pointer: `/kernel/extraConfig/${i}`,
        message: `"${line}" is not a Kconfig line`,
        hint: 'write CONFIG_X=y, CONFIG_X=m, CONFIG_X="text", CONFIG_X=123 or # CONFIG_X is not set',
      });
      return;
    }
    const [symbol, value] = parsed[0]!;
    out.add(symbol, value, 'extra', `/kernel/extraConfig/${i}`, `kernel.extraConfig[${i}]`);
  });

  for (const c of out.conflicts) {
    problems.push({
      pointer: c.second.source.startsWith('/') ? c.second.source : '/kernel',
      message: `CONFIG_${c.symbol} is asked to be ${c.first.value} by ${c.first.source} and ${c.second.value} by ${c.second.source}`,
      hint: 'remove one of the two, or change the feature that needs it',
    });
  }
  if (problems.length > 0) throw new SpecError(problems);
  const lines = out.lines();
  const header = [
    `lvs-image kernel config fragment for ${spec.name}: kernel ${version} (era ${era.id}), profile ${profile}, options ${mode}`,
    'each CONFIG_ line follows the reason it is there; merge onto a base with scripts/kconfig/merge_config.sh or lvs-image',
  ];
  return {
    kernelVersion: version,
    era: era.id,
    profile,
    options: mode,
    lines,
    overrides: out.overrides,
    text: formatFragment(header, lines),
  };
}

function addFullProfile(
  out: FragmentLines,
  menus: catalog.MenuCatalog | undefined,
  mode: KernelOptionMode,
  version: string,
  problems: Problem[],
): void {
  if (!menus) {
    problems.push({
      pointer: '/kernel/profile',
      message: `profile full has no menu list for kernel ${version}`,
      hint: `pin one of ${catalog.fullProfileVersions().join(', ')} or use profile: minimal`,
    });
    return;
  }
  for (const [title, symbols] of Object.entries(menus.menus)) {
    for (const symbol of symbols) {
      const s = menus.symbols[symbol]!;
      if (s.full[mode] === true)
        out.add(
          symbol,
          valueFor(symbol, mode, menus),
          'profile',
          `profile full ("${title}")`,
          `profile full: under "${title}"`,
        );
      else if ((s.type === 'int' || s.type === 'hex') && s.default !== undefined) {
        out.add(
          symbol,
          s.default,
          'profile',
          `profile full ("${title}")`,
          `profile full: under "${title}", kernel default ${s.default} made explicit`,
        );
      }
    }
  }
}
