/**
 * The servable root's boot files: pxelinux menus (default + per MAC), an iPXE script per director, a site
 * iPXE dispatcher, GRUB's UEFI netboot config, and the bootloaders copied from Debian's packages.
 * `emitPxeFiles` is pure; `loadPxeTemplates` reads the templates; the publish stage writes the files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { pxelinuxMacName } from '../layout.js';
import { BuildError } from '../lib/errors.js';
import type { BuildPlan, DirectorPlan } from '../plan.js';

/** Bootloaders copied into the site root, from Debian's pxelinux, syslinux-common, ipxe and grub-efi-amd64-bin. */
export const BOOT_LOADERS: Readonly<Record<string, { source: string; pkg: string }>> = {
  'pxelinux.0': { source: '/usr/lib/PXELINUX/pxelinux.0', pkg: 'pxelinux' },
  'ldlinux.c32': { source: '/usr/lib/syslinux/modules/bios/ldlinux.c32', pkg: 'syslinux-common' },
  'undionly.kpxe': { source: '/usr/lib/ipxe/undionly.kpxe', pkg: 'ipxe' },
  'ipxe.efi': { source: '/usr/lib/ipxe/ipxe.efi', pkg: 'ipxe' },
  'snponly.efi': { source: '/usr/lib/ipxe/snponly.efi', pkg: 'ipxe' },
  'grubnetx64.efi': {
    source: '/usr/lib/grub/x86_64-efi/monolithic/grubnetx64.efi',
    pkg: 'grub-efi-amd64-bin',
  },
};

/** A file of the site root: generated text, or a host file to copy. */
export type PxeFile =
  { path: string; mode: number; content: string } | { path: string; mode: number; source: string };

export type PxeTemplateName = 'pxelinux.cfg' | 'boot.ipxe' | 'site.ipxe' | 'grub.cfg';

/** Template sources by name, as read by `loadPxeTemplates`. */
export type PxeTemplates = Record<PxeTemplateName, string>;

/** The folder holding the shipped PXE templates. */
export const DEFAULT_PXE_TEMPLATES_DIR = path.resolve(import.meta.dirname, '../../templates/pxe');

type Emitter = (plan: BuildPlan, render: (name: PxeTemplateName, data: object) => string) => PxeFile[];

function menuEntry(d: DirectorPlan): object {
  return { hostname: d.hostname, kernel: d.outputs.kernel, initrd: d.outputs.initrd, cmdline: d.cmdline };
}

/** Every kind of boot file and how it is produced, in output order. */
const OUTPUTS: Readonly<Record<string, Emitter>> = {
  bootloaders: () =>
    Object.entries(BOOT_LOADERS).map(([name, { source }]) => ({ path: name, mode: 0o644, source })),
  'pxelinux-default': (plan, render) => [
    {
      path: 'pxelinux.cfg/default',
      mode: 0o644,
      content: render('pxelinux.cfg', {
        site: plan.site,
        default: plan.directors[0]?.hostname ?? 'none',
        prompt: plan.directors.length > 1 ? 1 : 0,
        directors: plan.directors.map(menuEntry),
      }),
    },
  ],
  'pxelinux-mac': (plan, render) =>
    plan.directors.flatMap((d) =>
      d.macs.map((mac) => ({
        path: `pxelinux.cfg/${pxelinuxMacName(mac)}`,
        mode: 0o644,
        content: render('pxelinux.cfg', {
          site: plan.site,
          default: d.hostname,
          prompt: 0,
          directors: [menuEntry(d)],
        }),
      })),
    ),
  grub: (plan, render) => [
    {
      path: 'grub/grub.cfg',
      mode: 0o644,
      content: render('grub.cfg', {
        site: plan.site,
        default: plan.directors[0]?.hostname ?? 'none',
        directors: plan.directors.map((d) => ({ ...menuEntry(d), macs: d.macs })),
      }),
    },
  ],
  'ipxe-site': (plan, render) => [
    {
      path: 'boot.ipxe',
      mode: 0o644,
      content: render('site.ipxe', {
        site: plan.site,
        directors: plan.directors.map((d) => ({ hostname: d.hostname, macs: d.macs, ipxe: d.outputs.ipxe })),
      }),
    },
  ],
  'ipxe-director': (plan, render) =>
    plan.directors.map((d) => ({
      path: d.outputs.ipxe,
      mode: 0o644,
      content: render('boot.ipxe', {
        site: plan.site,
        ...menuEntry(d),
        initrdName: path.posix.basename(d.outputs.initrd),
      }),
    })),
};

/** The site root's boot files for `plan`, rendered from `templates`; pure. */
export function emitPxeFiles(plan: BuildPlan, templates: PxeTemplates): PxeFile[] {
  const hbs = Handlebars.create();
  const compiled = new Map<PxeTemplateName, HandlebarsTemplateDelegate>();
  const render = (name: PxeTemplateName, data: object): string => {
    let tpl = compiled.get(name);
    if (tpl === undefined) {
      tpl = hbs.compile(templates[name], { strict: true, noEscape: true });
      compiled.set(name, tpl);
    }
    try {
      return tpl(data);
    } catch (err) {
      // NOTE: Handlebars exceptions are not `instanceof Error`; re-throw with the template's name.
      const why = ((err as { message?: string }).message ?? String(err)).replace(' in [object Object]', '');
      throw new BuildError(`template pxe/${name}.hbs: ${why}`, {
        hint: 'a --templates override may only use the fields its shipped template names in its opening comment',
      });
    }
  };
  return Object.values(OUTPUTS).flatMap((emit) => emit(plan, render));
}

/** Reads the PXE templates: each from `<overrideDir>/pxe/` when present there, else from the shipped folder. */
export async function loadPxeTemplates(overrideDir?: string): Promise<PxeTemplates> {
  const names: PxeTemplateName[] = ['pxelinux.cfg', 'boot.ipxe', 'site.ipxe', 'grub.cfg'];
  const dirs =
    overrideDir !== undefined
      ? [path.join(overrideDir, 'pxe'), DEFAULT_PXE_TEMPLATES_DIR]
      : [DEFAULT_PXE_TEMPLATES_DIR];
  const read = async (name: PxeTemplateName): Promise<string> => {
    for (const dir of dirs) {
      try {
        return await readFile(path.join(dir, `${name}.hbs`), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new BuildError(`template pxe/${name}.hbs is missing from ${dirs.join(' and ')}`);
  };
  const texts = await Promise.all(names.map(read));
  return Object.fromEntries(names.map((n, i) => [n, texts[i] ?? ''])) as PxeTemplates;
}
