/**
 * access.ssh from the ops host, on each listen address: the listed key logs in as root (host key checked against
 * the published known_hosts, a terminal from devpts); the server offers no password method; an unknown key is
 * refused.
 */
import { chmod, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { KNOWN_HOSTS } from '../../layout.js';
import { run, type RunResult } from '../../lib/exec.js';
import { runInNetns } from '../../lib/netns.js';
import type { LabOps } from '../plan/types.js';
import type { LabCheck } from '../tally.js';
import { accessCheck, verdict } from './types.js';

/** OpenSSH client options of every lab login: no prompt, no agent, a bounded connect, this one key only. */
function sshArgs(known: string, key: string, port: number): string[] {
  const o = (v: string): string[] => ['-o', v];
  return [
    '-F',
    '/dev/null',
    ...o('BatchMode=yes'),
    ...o('ConnectTimeout=10'),
    ...o('StrictHostKeyChecking=yes'),
    ...o(`UserKnownHostsFile=${known}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    ...o('IdentitiesOnly=yes'),
    ...o('IdentityAgent=none'),
    ...['-i', key, '-p', String(port)],
  ];
}

/** The methods the server offers after the `none` probe (`Authentications that can continue: publickey`). Pure. */
export function offeredAuthMethods(sshVerbose: string): string[] | null {
  const m = /Authentications that can continue: (\S+)/.exec(sshVerbose);
  return m?.[1]?.split(',') ?? null;
}

/** What the SSH checks need: where to log in, the files, and how a login runs (an `ssh` argv; a fake in tests). */
export interface SshPeer {
  ssh: NonNullable<LabOps['ssh']>;
  known: string;
  key: string;
  stranger: string;
  login: (args: string[]) => Promise<RunResult>;
}

/** The three SSH checks on each listen address; `key` logs in, `stranger` is a key the director does not know. */
export async function sshChecks(o: SshPeer): Promise<LabCheck[]> {
  const { ssh, known, key, stranger, login } = o;
  const checks: LabCheck[] = [];
  for (const l of ssh.listen) {
    const target = `root@${l.address}`;
    const at = `SSH ${l.address}:${l.port}`;
    const okRun = await login([
      ...sshArgs(known, key, l.port),
      '-tt',
      target,
      'hostname; tty; ipvsadm -Ln | head -n 1',
    ]);
    const out = okRun.stdout.replace(/\r/g, '');
    const loggedIn = okRun.exitCode === 0 && out.split('\n')[0]?.trim() === ssh.hostname;
    const tty = /^\/dev\/pts\/\d+$/m.exec(out)?.[0];
    checks.push(
      verdict(
        `${at}: root logs in with the authorized key, host key as published`,
        loggedIn && tty !== undefined,
        loggedIn
          ? `hostname ${ssh.hostname}, terminal ${tty ?? 'none'}, ${out.split('\n')[2]?.trim() ?? ''}`
          : `exit ${okRun.exitCode}: ${(okRun.stderr || out).trim().slice(0, 300)}`,
      ),
    );
    // -v shows what the server offers once the client's `none` probe fails; no password method may be in it.
    const pw = await login([
      ...sshArgs(known, stranger, l.port),
      '-v',
      ...['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'],
      target,
      'true',
    ]);
    const offered = offeredAuthMethods(pw.stderr);
    checks.push(
      verdict(
        `${at}: no password login`,
        pw.exitCode !== 0 && offered !== null && offered.join(',') === 'publickey',
        offered === null
          ? `no method list from the server (exit ${pw.exitCode}): ${pw.stderr.trim().split('\n').slice(-2).join(' ')}`
          : `the server offers ${offered.join(', ')}; exit ${pw.exitCode}`,
      ),
    );
    const unknown = await login([...sshArgs(known, stranger, l.port), target, 'true']);
    const denied = /Permission denied \(publickey\)/.test(unknown.stderr);
    checks.push(
      verdict(
        `${at}: an unknown key is refused`,
        unknown.exitCode !== 0 && denied,
        denied
          ? 'Permission denied (publickey)'
          : `exit ${unknown.exitCode}: ${unknown.stderr.trim().slice(0, 200)}`,
      ),
    );
  }
  return checks;
}

export const SSH = accessCheck('ssh', 'ssh', async (ctx, ssh, ops) => {
  if (ctx.sshKey === undefined)
    return [verdict('SSH login with an authorized key', false, 'the lab was given no --ssh-key')];
  // ssh refuses a private key others can read: a copy with mode 0600 in the work folder.
  const key = path.join(ctx.workDir, 'ssh-key');
  await copyFile(ctx.sshKey, key);
  await chmod(key, 0o600);
  const stranger = path.join(ctx.workDir, 'ssh-unknown-key');
  await rm(stranger, { force: true });
  await run(
    'ssh-keygen',
    ['-q', '-t', 'ed25519', '-N', '', '-C', 'lvs-image lab: unknown key', '-f', stranger],
    {
      timeoutMs: 30_000,
    },
  );
  const login = (args: string[]): Promise<RunResult> =>
    runInNetns(ops.host.ns, 'ssh', args, { reject: false, timeoutMs: 60_000 });
  try {
    return await sshChecks({ ssh, known: path.join(ctx.siteRoot, KNOWN_HOSTS), key, stranger, login });
  } finally {
    // The copy of the operator's private key does not outlive the check (the work folder may be kept).
    await rm(key, { force: true });
  }
});
