/** The rootfs stage's host reads for kernel modules: depmod files, module files (decompressed), /etc/modules. */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RootfsEntry } from '../../lib/cpio.js';
import { BuildError } from '../../lib/errors.js';
import type { RootfsInput } from './types.js';
import { decompressModule } from './decompress.js';
import { hostFile } from './host-binaries.js';
import type { Layer } from './merge.js';
import { type DepmodFiles, planModules } from './modules.js';

/**
 * The module closure of `input.modules` and `input.coldplug` with its depmod files, and /etc/modules (the first
 * closure only; empty when built in).
 */
export async function moduleLayer(
  input: Pick<RootfsInput, 'kernel' | 'modules' | 'coldplug'>,
): Promise<Layer> {
  const etcModules = (load: string[]): RootfsEntry => ({
    type: 'file',
    path: '/etc/modules',
    mode: 0o644,
    data: Buffer.from(load.map((m) => `${m}\n`).join('')),
  });
  const coldplug = input.coldplug ?? [];
  const wanted = [...input.modules, ...coldplug];
  if (wanted.length === 0) return { source: 'kernel modules', rank: 2, entries: [etcModules([])] };
  const { release, modulesRoot } = input.kernel;
  if (modulesRoot === undefined) {
    throw new BuildError(
      `the director needs modules (${wanted.join(', ')}) but kernel ${release} has no modules folder`,
      {
        hint: 'build the kernel with the IPVS options as modules, or set them built in (=y) so no module is needed',
      },
    );
  }
  const dir = path.join(modulesRoot, 'lib/modules', release);
  const read = async (f: string): Promise<string | undefined> =>
    existsSync(path.join(dir, f)) ? readFile(path.join(dir, f), 'utf8') : undefined;
  const dep = await read('modules.dep');
  if (dep === undefined)
    throw new BuildError(`${dir}/modules.dep is missing`, { hint: 'run depmod for that kernel' });
  const files: DepmodFiles = { dep };
  for (const [key, name] of [
    ['softdep', 'modules.softdep'],
    ['alias', 'modules.alias'],
    ['builtin', 'modules.builtin'],
    ['order', 'modules.order'],
  ] as const) {
    const text = await read(name);
    if (text !== undefined) files[key] = text;
  }
  const plan = planModules(input.modules, files, dir, coldplug);
  const target = `/lib/modules/${release}`;
  const entries: RootfsEntry[] = [etcModules(plan.load)];
  for (const f of plan.files) {
    const src = path.join(dir, f.source);
    const data =
      f.source === f.target ? { file: src, size: (await stat(src)).size } : await decompressModule(src);
    entries.push({ type: 'file', path: `${target}/${f.target}`, mode: 0o644, data });
  }
  for (const [name, text] of Object.entries(plan.depmod)) {
    entries.push({ type: 'file', path: `${target}/${name}`, mode: 0o644, data: Buffer.from(text) });
  }
  if (existsSync(path.join(dir, 'modules.builtin.modinfo'))) {
    entries.push(
      await hostFile(`${target}/modules.builtin.modinfo`, path.join(dir, 'modules.builtin.modinfo'), 0o644),
    );
  }
  return { source: `kernel modules (${dir})`, rank: 2, entries };
}
