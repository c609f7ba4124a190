/**
 * A TCP connect scan from the client (src/lab/programs/tcp-scan.mjs, every port) of the director's outside address
 * and each VIP: only the virtual services (and SSH where access.ssh listens outside) may answer.
 */
import { runInNetns } from '../../lib/netns.js';
import { programPath } from '../daemon.js';
import type { LabOps } from '../plan/types.js';
import type { LabCheck } from '../tally.js';
import { accessCheck, verdict } from './types.js';

/** The open TCP ports of `address` (ports `first`..`last`), scanned from namespace `ns`; a string: the scan failed. */
export async function scanTcp(
  ns: string,
  address: string,
  first = 1,
  last = 65535,
): Promise<number[] | string> {
  const r = await runInNetns(
    ns,
    process.execPath,
    [programPath('tcp-scan'), address, String(first), String(last)],
    {
      reject: false,
      timeoutMs: 600_000,
    },
  );
  try {
    return JSON.parse(r.stdout) as number[];
  } catch {
    return `scan failed (exit ${r.exitCode}): ${r.stderr.slice(0, 200)}`;
  }
}

/** The scan check over each target's open ports (`scan` gives them as scanTcp returns them). */
export async function checkTcpScan(
  targets: LabOps['scan'],
  scan: (address: string) => Promise<number[] | string>,
  range = '1-65535',
): Promise<LabCheck> {
  const problems: string[] = [];
  const seen: string[] = [];
  const started = Date.now();
  for (const target of targets) {
    const open = await scan(target.address);
    if (typeof open === 'string') {
      problems.push(`${target.address}: ${open}`);
      continue;
    }
    seen.push(`${target.address}: ${open.length > 0 ? open.join(',') : 'none'}`);
    const extra = open.filter((p) => !target.open.includes(p));
    if (extra.length > 0) problems.push(`${target.address} has TCP ${extra.join(', ')} open`);
  }
  const s = Math.round((Date.now() - started) / 1000);
  return verdict(
    `TCP scan from the client (ports ${range}): only the virtual services answer`,
    problems.length === 0,
    problems.length === 0 ? `open: ${seen.join('; ')} (${s} s)` : problems.join('; '),
  );
}

export const TCP_SCAN = accessCheck('tcp-scan', 'scan', async (ctx, scan) => [
  await checkTcpScan(scan, (a) => scanTcp(ctx.plan.client.ns, a)),
]);
