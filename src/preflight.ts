/**
 * Checks before any work (mkosi check_tools/check_inputs): host tools, bootloader files, the output folder, and
 * the sources the spec names. Every problem is collected and reported at once.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, SpecError, formatProblem, type Problem } from './lib/errors.js';
import type { Run } from './lib/exec.js';
import type { SourceRef, Spec } from './spec/types.js';
import { BOOT_LOADERS } from './stages/pxe.js';

/** The static busybox the root filesystem is made of (Debian's busybox-static). */
export const BUSYBOX = '/bin/busybox';

/** Host tools every build needs, with the Debian package that provides each. */
const HOST_TOOLS: Readonly<Record<string, string>> = { make: 'make', gcc: 'gcc' };

/** What preflight learned about the host, for the manifest. */
export interface HostFacts {
  /** First line of `gcc --version`. */
  compiler: string | undefined;
}

async function isFile(file: string, mode = constants.R_OK): Promise<boolean> {
  try {
    await access(file, mode);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function onPath(tool: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) if (await isFile(path.join(dir, tool), constants.X_OK)) return true;
  return false;
}

/** Missing host tools and bootloader files, each naming the Debian package to install. */
export async function checkHostTools(): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [tool, pkg] of Object.entries(HOST_TOOLS)) {
    if (!(await onPath(tool)))
      problems.push({ message: `host tool ${tool} not found on PATH`, hint: `apt-get install ${pkg}` });
  }
  const files: [string, string][] = [
    [BUSYBOX, 'busybox-static'],
    ...Object.values(BOOT_LOADERS).map((b): [string, string] => [b.source, b.pkg]),
  ];
  for (const [file, pkg] of files) {
    if (!(await isFile(file)))
      problems.push({ message: `${file} not found`, hint: `apt-get install ${pkg}` });
  }
  return problems;
}

/** A problem when `outDir` (or the folder it would be created in) is not writable. */
export async function checkOutputDir(outDir: string): Promise<Problem[]> {
  let dir = path.resolve(outDir);
  for (;;) {
    try {
      const st = await stat(dir);
      if (!st.isDirectory())
        return [{ message: `output folder ${outDir}: ${dir} is not a folder`, hint: 'pass --out DIR' }];
      await access(dir, constants.W_OK | constants.X_OK);
      return [];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        return [{ message: `output folder ${outDir} is not writable (${code})`, hint: 'pass --out DIR' }];
      const parent = path.dirname(dir);
      if (parent === dir) return [{ message: `output folder ${outDir} cannot be created` }];
      dir = parent;
    }
  }
}

// NOTE: Debian and URL sources are not checked here: the sources step gets them through the store (which may
// hold a locked version Debian no longer serves) and lists every place it tried.
async function checkSourceRef(
  ref: SourceRef | undefined,
  pointer: string,
  specDir: string,
): Promise<Problem[]> {
  if (ref === undefined) return [];
  if ('path' in ref) {
    const p = path.resolve(specDir, ref.path);
    const ok = await stat(p).then(
      () => true,
      () => false,
    );
    return ok
      ? []
      : [
          {
            pointer: `${pointer}/path`,
            message: `${ref.path} does not exist (resolved to ${p})`,
            hint: 'fix the path; it is relative to the spec file',
          },
        ];
  }
  return [];
}

/** Problems with the sources and prebuilt files the spec names (paths are relative to the spec's folder). */
export async function checkSources(spec: Spec, specFile: string): Promise<Problem[]> {
  const specDir = path.dirname(specFile);
  const problems = [
    ...(await checkSourceRef(spec.kernel.source, '/kernel/source', specDir)),
    ...(await checkSourceRef(spec.ipvsadm.source, '/ipvsadm/source', specDir)),
  ];
  const prebuilt = spec.kernel.prebuilt;
  if (prebuilt !== undefined && !(await isFile(path.resolve(specDir, prebuilt.vmlinuz)))) {
    problems.push({
      pointer: '/kernel/prebuilt/vmlinuz',
      message: `${prebuilt.vmlinuz} not found`,
      hint: 'apt-get install linux-image-amd64, or fix the path',
    });
  }
  return problems.map((p) => ({ file: specFile, ...p }));
}

/** Runs every check and throws one error listing all problems; returns host facts for the manifest. */
export async function runPreflight(
  spec: Spec,
  specFile: string,
  outDir: string,
  run: Run,
): Promise<HostFacts> {
  const specProblems = await checkSources(spec, specFile);
  const hostProblems = [...(await checkHostTools()), ...(await checkOutputDir(outDir))];
  if (hostProblems.length > 0) {
    const all = [...hostProblems, ...specProblems];
    throw new BuildError(
      `preflight found ${all.length} problem(s) before any work:\n${all.map(formatProblem).join('\n')}`,
    );
  }
  if (specProblems.length > 0) throw new SpecError(specProblems);
  const gcc = await run('gcc', ['--version'], { reject: false, timeoutMs: 10_000 });
  return { compiler: gcc.exitCode === 0 ? gcc.stdout.split('\n')[0]?.trim() : undefined };
}
