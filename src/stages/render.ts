/**
 * Rendering: a pure plan of which template becomes which file (with its view model), and a renderer that
 * runs handlebars over it. Templates live under `templates/` mirroring target paths; a user folder given
 * with `--templates` overrides same-named files. Template text is read by one small I/O function.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderedFile } from '../context.js';
import { InternalError, SpecError } from '../lib/errors.js';
import { resolveDirector } from '../director/resolve.js';
import type { DirectorModel } from '../director/types.js';
import type { Forwarding, Spec } from '../spec/types.js';
import { makeCompanionView, type CompanionView } from './render/companion-view.js';
import { makeDirectorView, type DirectorView } from './render/director-view.js';
import { serviceFiles, type ServiceView } from '../runtime/service-view.js';

/**
 * One file to render: template (relative to the templates folder), its view model, target path and mode. A
 * template whose name does not end in `.hbs` is a fixed file (the director's /init and its boot steps), copied as is.
 */
export interface FileToRender {
  template: string;
  view: DirectorView | CompanionView | ServiceView;
  /** Absolute path in the target root, e.g. `/etc/ipvsadm.rules`. */
  path: string;
  mode: number;
}

/** The templates shipped with lvs-image (`<package>/templates`, from src/stages or dist/stages alike). */
export const DEFAULT_TEMPLATES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../templates',
);

/** A file of a bundle: its template, target, mode, and whether a given view needs it. */
interface FileRule<V> {
  template: string;
  path: string;
  mode: number;
  when?: (view: V) => boolean;
}

/** Every file a director root gets, in order (then one service file per daemon it runs). */
const DIRECTOR_FILES: readonly FileRule<DirectorView>[] = [
  // The fixed /init and boot steps (src/runtime), fed by the data files after them.
  { template: 'director/init', path: '/init', mode: 0o755 },
  { template: 'director/lib/lvs/boot.sh', path: '/lib/lvs/boot.sh', mode: 0o644 },
  { template: 'director/lib/lvs/links.sh', path: '/lib/lvs/links.sh', mode: 0o644 },
  { template: 'director/lib/lvs/supervise.sh', path: '/lib/lvs/supervise.sh', mode: 0o644 },
  { template: 'director/lib/lvs/apply.sh', path: '/lib/lvs/apply.sh', mode: 0o644 },
  // Fixed data: the NIC catalog's PCI ids for the missing-interface diagnosis (src/runtime/pci-ids-file.ts).
  { template: 'director/etc/lvs/pci-ids', path: '/etc/lvs/pci-ids', mode: 0o644 },
  { template: 'director/etc/lvs/director.hbs', path: '/etc/lvs/director', mode: 0o644 },
  { template: 'director/etc/lvs/links.hbs', path: '/etc/lvs/links', mode: 0o644 },
  { template: 'director/etc/lvs/addresses.hbs', path: '/etc/lvs/addresses', mode: 0o644 },
  { template: 'director/etc/lvs/routes.hbs', path: '/etc/lvs/routes', mode: 0o644 },
  { template: 'director/etc/hostname.hbs', path: '/etc/hostname', mode: 0o644 },
  { template: 'director/etc/sysctl.conf.hbs', path: '/etc/sysctl.conf', mode: 0o644 },
  { template: 'director/etc/network/interfaces.hbs', path: '/etc/network/interfaces', mode: 0o644 },
  // The table is written either by /init from these rules or by keepalived from its config, never both.
  {
    template: 'director/etc/ipvsadm.rules.hbs',
    path: '/etc/ipvsadm.rules',
    mode: 0o644,
    when: (v) => v.mode === 'rules',
  },
  {
    template: 'director/etc/ipvsadm.thresholds.hbs',
    path: '/etc/ipvsadm.thresholds',
    mode: 0o644,
    when: (v) => v.mode === 'rules' && v.ipvsadmThresholds.length > 0,
  },
  {
    template: 'director/etc/keepalived/keepalived.conf.hbs',
    path: '/etc/keepalived/keepalived.conf',
    mode: 0o644,
    when: (v) => v.mode === 'keepalived',
  },
  {
    template: 'director/etc/iptables.rules.hbs',
    path: '/etc/iptables.rules',
    mode: 0o644,
    when: (v) => v.iptables !== null,
  },
  { template: 'director/etc/init.d/lvs-director.hbs', path: '/etc/init.d/lvs-director', mode: 0o755 },
  {
    template: 'director/etc/ntpd-event.hbs',
    path: '/etc/ntpd-event',
    mode: 0o755,
    when: (v) => v.access.ntp !== null,
  },
  {
    template: 'director/etc/passwd.hbs',
    path: '/etc/passwd',
    mode: 0o644,
    when: (v) => v.access.ssh !== null,
  },
  { template: 'director/etc/group.hbs', path: '/etc/group', mode: 0o644, when: (v) => v.access.ssh !== null },
  {
    template: 'director/root/.ssh/authorized_keys.hbs',
    path: '/root/.ssh/authorized_keys',
    mode: 0o600,
    when: (v) => v.access.ssh !== null,
  },
  {
    template: 'director/www/cgi-bin/metrics.hbs',
    path: '/www/cgi-bin/metrics',
    mode: 0o755,
    when: (v) => v.access.metrics !== null,
  },
];

/** Files of a real server's companion bundle: the interfaces file always, extras per forwarding method. */
const COMPANION_FILES: readonly FileRule<CompanionView>[] = [
  { template: 'realserver/etc/network/interfaces.hbs', path: '/etc/network/interfaces', mode: 0o644 },
  {
    template: 'realserver/dr/etc/sysctl.d/lvs-dr.conf.hbs',
    path: '/etc/sysctl.d/lvs-dr.conf',
    mode: 0o644,
    when: uses('gate'),
  },
  {
    template: 'realserver/tun/etc/sysctl.d/lvs-tun.conf.hbs',
    path: '/etc/sysctl.d/lvs-tun.conf',
    mode: 0o644,
    when: uses('ipip'),
  },
];

function uses(method: Forwarding): (v: CompanionView) => boolean {
  return (v) => v.forwarding.includes(method);
}

function planFrom<V extends DirectorView | CompanionView>(
  rules: readonly FileRule<V>[],
  view: V,
): FileToRender[] {
  return rules
    .filter((r) => r.when === undefined || r.when(view))
    .map((r) => ({ template: r.template, view, path: r.path, mode: r.mode }));
}

/** The files of one director's root filesystem, from its model (then one service file per daemon it runs). Pure. */
export function planDirectorFiles(model: DirectorModel): FileToRender[] {
  const view = makeDirectorView(model);
  return [
    ...planFrom(DIRECTOR_FILES, view),
    ...serviceFiles(model).map((s) => ({
      template: SERVICE_TEMPLATE,
      view: s.view,
      path: s.path,
      mode: 0o644,
    })),
  ];
}

/** The template of every service file (/etc/lvs/services/NN-name). */
const SERVICE_TEMPLATE = 'director/etc/lvs/service.hbs';

/** The companion bundle of every real server in the spec. Pure. */
export function planCompanionFiles(spec: Spec): { server: string; files: FileToRender[] }[] {
  return spec.realServers.map((rs, r) => ({
    server: rs.name,
    files: planFrom(COMPANION_FILES, makeCompanionView(spec, rs, r)),
  }));
}

/** Reads a template, preferring the override folder; the only I/O of this stage's core. */
export function readTemplate(
  name: string,
  templatesDir: string,
  overrideDir?: string,
): { file: string; text: string; override: boolean } {
  const candidates = overrideDir === undefined ? [templatesDir] : [overrideDir, templatesDir];
  for (const [i, dir] of candidates.entries()) {
    const file = path.join(dir, name);
    try {
      return { file, text: readFileSync(file, 'utf8'), override: overrideDir !== undefined && i === 0 };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new InternalError(`template ${name} is missing from ${candidates.join(' and ')}`);
}

/** Renders one template text with its view; a field the view lacks is an error naming the template. */
export function renderTemplate(text: string, view: object, file: string, isOverride: boolean): string {
  try {
    return Handlebars.compile(text, { noEscape: true, strict: true })(view);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (!isOverride) throw new InternalError(`template ${file} failed: ${why}`, { cause: err });
    throw new SpecError({
      file,
      message: `template failed: ${why}`,
      hint: `fields available: ${Object.keys(view).join(', ')}`,
    });
  }
}

/** Renders every planned file; pure given the template text. */
export function renderFiles(
  files: readonly FileToRender[],
  templatesDir: string = DEFAULT_TEMPLATES_DIR,
  overrideDir?: string,
): RenderedFile[] {
  return files.map((f) => {
    const { file, text, override } = readTemplate(f.template, templatesDir, overrideDir);
    const content = f.template.endsWith('.hbs') ? renderTemplate(text, f.view, file, override) : text;
    return { path: f.path, mode: f.mode, content };
  });
}

/** A rendered file of a whole site, placed relative to the render output folder. */
export interface SiteFile {
  /** `lv1/rootfs/etc/ipvsadm.rules` or `realservers/w101/etc/network/interfaces`. */
  relPath: string;
  mode: number;
  content: string;
}

/** Renders every director root and real-server bundle of a spec (defaults applied). */
export function renderSite(
  spec: Spec,
  overrideDir?: string,
  templatesDir: string = DEFAULT_TEMPLATES_DIR,
): SiteFile[] {
  const place = (prefix: string, files: RenderedFile[]): SiteFile[] =>
    files.map((f) => ({ relPath: `${prefix}${f.path}`, mode: f.mode, content: f.content }));
  return [
    ...spec.directors.flatMap((d) =>
      place(
        `${d.hostname}/rootfs`,
        renderFiles(planDirectorFiles(resolveDirector(spec, d)), templatesDir, overrideDir),
      ),
    ),
    ...planCompanionFiles(spec).flatMap((c) =>
      place(`realservers/${c.server}`, renderFiles(c.files, templatesDir, overrideDir)),
    ),
  ];
}
