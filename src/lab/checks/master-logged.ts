/**
 * access.syslog of a pair, as the operator's log host sees it: the new holder said it entered MASTER state, in a
 * datagram from its own inside address, among the lines received since the change (bounded wait).
 */
import { masterText } from '../../runtime/console-contract.js';
import type { FollowUpCheck } from './follow-up.js';
import { syslogFile, waitForSyslog } from './syslog.js';
import { verdict } from './types.js';

/** Bound on a takeover's syslog line reaching the lab's receiver, counted once the change's checks are done. */
const SYSLOG_BOUND_S = 10;

export const MASTER_LOGGED: FollowUpCheck = async (ctx, f, mark) => {
  const member = ctx.plan.members.find((m) => m.hostname === f.holder);
  const entered = masterText(ctx.plan.pair?.instances[0] ?? '');
  const [line] = await waitForSyslog(
    ctx.workDir,
    [(l) => l.from === member?.inside && l.text.includes(entered)],
    SYSLOG_BOUND_S * 1000,
    mark,
  );
  return verdict(
    f.label,
    line !== undefined,
    line !== undefined
      ? `from ${line.from}: "${line.text.slice(0, 100)}"`
      : `no "${entered}" from ${f.holder} (${member?.inside ?? 'no inside address'}) within ${SYSLOG_BOUND_S} s of the change (${syslogFile(ctx.workDir)})`,
  );
};
