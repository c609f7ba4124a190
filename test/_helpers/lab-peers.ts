/**
 * Two network namespaces for the lab's check tests, a client and a peer on one veth pair (10.77.<n>.1 and .2/24),
 * created for one test and deleted after it, whatever happens. Nothing leaves them.
 */
import type { ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNetns, createVethPair, deleteNetns, labName } from '../../src/lib/netns.js';

/** A client and a peer namespace, their addresses, and a work folder. */
export interface Peers {
  client: string;
  peer: string;
  clientAddress: string;
  peerAddress: string;
  workDir: string;
}

let next = 0;

/** Creates the pair of namespaces for `t` (removed in its teardown) and returns them. */
export async function makePeers(t: ExecutionContext, tag: string): Promise<Peers> {
  const n = ++next;
  const client = labName('tc', `${tag}${n}c`);
  const peer = labName('tc', `${tag}${n}p`);
  const workDir = mkdtempSync(path.join(tmpdir(), `lvs-lab-check-${tag}-`));
  t.teardown(async () => {
    await deleteNetns(client);
    await deleteNetns(peer);
    rmSync(workDir, { recursive: true, force: true });
  });
  await createNetns(client);
  await createNetns(peer);
  const net = `10.77.${n}`;
  await createVethPair(
    { ns: client, ifname: 'eth0', cidr: `${net}.1/24` },
    { ns: peer, ifname: 'eth0', cidr: `${net}.2/24` },
  );
  return { client, peer, clientAddress: `${net}.1`, peerAddress: `${net}.2`, workDir };
}
