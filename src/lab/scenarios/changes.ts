/**
 * How the lab makes each kind of change a scenario names (src/lab/plan/types.ts LabChange): load a rules table on
 * the director, stop or replace a real server's HTTP server, kill a member's QEMU, boot a member, stop keepalived
 * on a member for good. One entry per kind.
 */
import { BuildError } from '../../lib/errors.js';
import { stopCommand } from '../../runtime/daemons.js';
import { guestOf, type LabContext } from '../context.js';
import { startServer } from '../hosts.js';
import { bootMember } from '../members.js';
import type { LabChange } from '../plan/types.js';

/** Stops keepalived on a member for good (the supervisor honours the down file): a priority-0 advert goes out. */
export const STOP_KEEPALIVED = stopCommand('keepalived');

/** Where a booted member's build is: the lab's own, or the rolling change's. */
export interface ChangeOptions {
  root?: string;
}

type Apply<K extends LabChange['kind']> = (
  ctx: LabContext,
  c: Extract<LabChange, { kind: K }>,
  o: ChangeOptions,
) => Promise<void>;

function realServer(ctx: LabContext, name: string) {
  const rs = ctx.plan.realServers.find((r) => r.name === name);
  if (rs === undefined) throw new BuildError(`the lab has no real server ${name}`);
  return rs;
}

async function replaceServer(ctx: LabContext, name: string, failing?: number): Promise<void> {
  const s = ctx.session;
  await s.servers.get(name)?.stop();
  const how = failing !== undefined ? ({ kind: 'failing', status: failing } as const) : s.serverKind;
  s.servers.set(name, await startServer(ctx.workDir, realServer(ctx, name), how));
}

const CHANGES: { [K in LabChange['kind']]: Apply<K> } = {
  // The way the image loads its own table: `ipvsadm -C`, then `ipvsadm -R` of the whole save file.
  'load-rules': async (ctx, c) => {
    const words = c.rules
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `'${l}'`)
      .join(' ');
    await guestOf(ctx, ctx.plan.hostname).console.run(
      `ipvsadm -C && printf '%s\\n' ${words} | ipvsadm -R`,
      60_000,
    );
  },
  'stop-server': async (ctx, c) => {
    await ctx.session.servers.get(c.server)?.stop();
    ctx.session.servers.delete(c.server);
  },
  'start-server': (ctx, c) => replaceServer(ctx, c.server),
  'failing-server': (ctx, c) => replaceServer(ctx, c.server, c.status),
  'kill-member': async (ctx, c) => {
    const g = guestOf(ctx, c.member);
    process.kill(g.pid, 'SIGKILL');
    await g.exited;
    ctx.session.guests.delete(c.member);
  },
  'boot-member': async (ctx, c, o) => {
    const m = ctx.plan.members.find((x) => x.hostname === c.member);
    if (m === undefined) throw new BuildError(`the lab has no member ${c.member}`);
    await ctx.session.guests.get(c.member)?.stop();
    ctx.session.guests.delete(c.member);
    await bootMember(ctx, m, o.root);
  },
  'stop-keepalived': async (ctx, c) => {
    await guestOf(ctx, c.member).console.run(STOP_KEEPALIVED, 60_000);
  },
};

/** Makes change `c`. */
export function applyChange(ctx: LabContext, c: LabChange, o: ChangeOptions = {}): Promise<void> {
  // NOTE: TypeScript cannot tie CHANGES[c.kind] to c's own kind; the table's type does.
  const apply = CHANGES[c.kind] as Apply<LabChange['kind']>;
  return apply(ctx, c, o);
}
