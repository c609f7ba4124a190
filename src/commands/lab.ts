/**
 * `lvs-image lab SPEC`: builds a throw-away lab per director (namespaces, bridges, real servers, a client, the
 * director in QEMU on tap NICs), sends real traffic to the VIP, prints who answered, and tears it all down.
 */
import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLab, type LabResult, type RollTarget } from '../lab/index.js';
import { labMembers, planLab, rollProblems, type LabPlan } from '../lab/plan/index.js';
import { pairOf } from '../spec/health-check.js';
import { formatLabTable } from '../lab/tally.js';
import { DEFAULT_OUT_DIR, directorFiles, siteRoot } from '../layout.js';
import { BuildError, SpecError, type Problem } from '../lib/errors.js';
import { printJson } from '../lib/output.js';
import { run } from '../lib/exec.js';
import { indexesOfKey } from '../spec/authorized-keys.js';
import { loadSpec } from '../spec/load.js';
import { LAB_KEY } from '../stages/dropbear.js';
import type { Spec } from '../spec/types.js';

interface LabFlags {
  via?: string;
  out: string;
  requests: string;
  timeout: string;
  json?: boolean;
  rollTo?: string;
  rollOut?: string;
  sshKey?: string;
}

function wholeNumber(flag: string, value: string, max: number, problems: Problem[]): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max))
    problems.push({ message: `${flag} ${value}: must be a whole number, 1..${max}` });
  return n;
}

/** The build a pair's rolling change goes onto: checked against the pair's plan, and built. */
function rollTarget(
  from: LabPlan,
  rollSpec: Spec,
  rollRoot: string,
  rollOut: string,
  rollFile: string,
  specFile: string,
): RollTarget {
  const member = rollSpec.directors.find((d) => d.hostname === from.members[0]?.hostname);
  const to =
    member !== undefined && pairOf(rollSpec, member) !== undefined
      ? planLab(rollSpec, labMembers(rollSpec, member))
      : undefined;
  const problems =
    to === undefined ? [`it has no pair with ${from.members[0]?.hostname ?? '?'}`] : rollProblems(from, to);
  if (to === undefined || problems.length > 0)
    throw new SpecError(
      problems.map((p) => ({
        message: `--roll-to ${rollFile}: ${p}`,
        hint: `the rolled-to spec is ${specFile} with the change to roll out (e.g. one weight)`,
      })),
    );
  for (const m of from.members) {
    const kernel = path.join(rollRoot, directorFiles(m.hostname).kernel);
    if (!existsSync(kernel))
      throw new BuildError(`--roll-to ${rollFile}: the image is not built: missing ${kernel}`, {
        hint: `run \`lvs-image build ${rollFile} --out ${rollOut}\` first`,
      });
  }
  return {
    siteRoot: rollRoot,
    healthyTable: to.healthyTable,
    label: `${path.basename(specFile)} -> ${path.basename(rollFile)}`,
  };
}

/**
 * One lab per lone director and one per pair (planned from its first member), all planned before any runs; a spec
 * problem the planner finds names the spec file.
 */
function planLabs(spec: Spec, specFile: string): LabPlan[] {
  const labbed = new Set<string>();
  const plans: LabPlan[] = [];
  try {
    for (const director of spec.directors) {
      if (labbed.has(director.hostname)) continue;
      const members = labMembers(spec, director);
      for (const m of members) labbed.add(m.hostname);
      plans.push(planLab(spec, members));
    }
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(e.problems.map((p) => ({ file: specFile, ...p })));
    throw e;
  }
  return plans;
}

/** The private key the lab logs in with: its public half must be one of the spec's authorized keys. */
export async function labSshKey(spec: Spec, file: string): Promise<string> {
  // ssh-keygen refuses a private key others can read, and a git checkout gives the lab key mode 0644: it reads a
  // 0600 copy. The login itself copies the same way (checkSsh).
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-image-key-'));
  const copy = path.join(dir, 'key');
  let r;
  try {
    await copyFile(file, copy);
    await chmod(copy, 0o600);
    r = await run('ssh-keygen', ['-y', '-f', copy], { reject: false, timeoutMs: 30_000 });
  } catch (e) {
    throw new SpecError({
      message: `--ssh-key ${file}: cannot read it (${(e as Error).message})`,
      hint: 'give an unencrypted private key whose .pub is in access.ssh.authorizedKeys',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (r.exitCode !== 0)
    throw new SpecError({
      message: `--ssh-key ${file}: not a private key ssh-keygen can read (${r.stderr.trim().split('\n').at(-1) ?? ''})`,
      hint: 'give an unencrypted private key whose .pub is in access.ssh.authorizedKeys',
    });
  if (indexesOfKey(spec.access?.ssh?.authorizedKeys ?? [], r.stdout).length === 0)
    throw new SpecError({
      message: `--ssh-key ${file}: its public half is not in access.ssh.authorizedKeys, so the lab could not log in`,
      hint: 'pass --ssh-key with the private half of a listed key',
    });
  return file;
}

/** Adds the `lab` command. */
export function register(program: Command): void {
  program
    .command('lab')
    .description(
      'run real traffic through each built director in a throw-away network-namespace lab (needs root)',
    )
    .argument('<spec>', 'spec file (YAML or JSON) whose build output is tested')
    .option(
      '--via <how>',
      'boot a director by pxe (from `lvs-image serve` in the lab; the default) or direct kernel boot; pair members boot directly',
    )
    .option('--out <dir>', 'output folder the image was built into', DEFAULT_OUT_DIR)
    .option('--requests <n>', 'client requests per check', '20')
    .option(
      '--roll-to <spec>',
      'pairs: finish with a rolling change onto this built spec (same pair, members and MACs; another IPVS table)',
    )
    .option('--roll-out <dir>', 'output folder the --roll-to spec was built into (default: --out)')
    .option('--timeout <seconds>', 'bound on the director boot, start to ready line', '180')
    .option(
      '--ssh-key <file>',
      'access.ssh: private key the lab logs in with (one the spec lists); default: the lab key, images/lab-keys/lab-operator',
    )
    .action(async (specFile: string, _opts: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<LabFlags>();
      const problems: Problem[] = [];
      const requests = wholeNumber('--requests', flags.requests, 1000, problems);
      const timeoutMs = wholeNumber('--timeout', flags.timeout, 3600, problems) * 1000;
      if (flags.via !== undefined && flags.via !== 'pxe' && flags.via !== 'direct')
        problems.push({ message: `--via ${flags.via}: must be pxe or direct` });
      if (process.getuid?.() !== 0)
        problems.push({ message: 'the lab creates network namespaces and taps: run it as root' });
      if (problems.length > 0) throw new SpecError(problems);
      const { spec } = await loadSpec(specFile);
      const sshKey =
        spec.access?.ssh !== undefined ? await labSshKey(spec, flags.sshKey ?? LAB_KEY) : undefined;
      if (flags.via === 'pxe' && (spec.pairs ?? []).length > 0)
        throw new SpecError({
          message: '--via pxe: the failover lab boots both members of a pair directly (kernel and initrd)',
          hint: 'leave --via out or use --via direct; boot-test --via pxe checks the netboot path of each member',
        });
      // `serve` in the lab's boot namespace is this same lvs-image (node, its flags such as tsx, the script).
      const serveCommand =
        (flags.via ?? 'pxe') === 'pxe'
          ? [process.execPath, ...process.execArgv, process.argv[1] ?? '']
          : undefined;
      const root = siteRoot(flags.out, spec.name);
      const rollSpec = flags.rollTo !== undefined ? (await loadSpec(flags.rollTo)).spec : undefined;
      if (rollSpec !== undefined && (spec.pairs ?? []).length === 0)
        throw new SpecError({
          message: `--roll-to ${flags.rollTo}: ${specFile} has no director pair to roll`,
          hint: 'a rolling change reboots the members of a pair one at a time; leave --roll-to out',
        });
      const rollRoot =
        rollSpec !== undefined ? siteRoot(flags.rollOut ?? flags.out, rollSpec.name) : undefined;
      if (rollRoot !== undefined && path.resolve(rollRoot) === path.resolve(root))
        throw new SpecError({
          message: `--roll-to ${flags.rollTo}: it builds into ${root}, the same folder as ${specFile}`,
          hint: 'build it with another `name:` or into another folder (`build --out DIR`, then `--roll-out DIR`)',
        });
      const plans = planLabs(spec, specFile);
      for (const plan of plans) {
        const kernel = path.join(root, directorFiles(plan.hostname).kernel);
        if (!existsSync(kernel))
          throw new BuildError(`the image is not built: missing ${kernel}`, {
            hint: `run \`lvs-image build ${specFile}\` first`,
          });
      }
      const results: { hostname: string; result: LabResult }[] = [];
      for (const plan of plans) {
        const pair = plan.pair !== undefined;
        const roll =
          pair && rollSpec !== undefined && rollRoot !== undefined
            ? rollTarget(plan, rollSpec, rollRoot, flags.rollOut ?? flags.out, flags.rollTo ?? '', specFile)
            : undefined;
        const workDir = mkdtempSync(path.join(tmpdir(), `lvs-lab-${plan.hostname}-`));
        if (flags.json !== true)
          process.stderr.write(
            `lab for ${plan.hostname} (work folder ${workDir}, kept if a check fails) ...\n`,
          );
        const result = await runLab({
          plan,
          siteRoot: root,
          workDir,
          timeoutMs,
          requests,
          ...(serveCommand !== undefined && !pair ? { serveCommand } : {}),
          ...(sshKey !== undefined ? { sshKey } : {}),
          ...(roll !== undefined ? { roll } : {}),
        });
        results.push({ hostname: plan.hostname, result });
        // A passed lab leaves nothing behind; a failed one keeps its work folder (console logs, received syslog).
        if (result.ok) rmSync(workDir, { recursive: true, force: true });
        if (flags.json !== true) process.stdout.write(`${plan.hostname}\n${formatLabTable(result.checks)}`);
      }
      const failed = results.filter((r) => !r.result.ok);
      if (flags.json === true) {
        // Every check with its figure, failed or not (bench/ reads them); the exit status still says failed.
        printJson({ ok: failed.length === 0, results });
        if (failed.length > 0) process.exitCode = 1;
        return;
      }
      if (failed.length > 0) {
        const text = failed
          .map(
            (f) => `${f.hostname}:\n${formatLabTable(f.result.checks)}  console log: ${f.result.consoleLog}`,
          )
          .join('\n');
        throw new BuildError(`lab checks failed for ${failed.map((f) => f.hostname).join(', ')}\n${text}`, {
          hint: 'a real server that never answers under NAT usually does not route back through the director (its gateway)',
        });
      }
    });
}
