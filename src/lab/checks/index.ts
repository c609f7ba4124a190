/**
 * The registry of lab checks. A lone director runs STEADY_CHECKS, then its scenarios, then ACCESS_CHECKS, each
 * module when its `applies` says the plan calls for it; a pair's scenarios run FOLLOW_UPS by name.
 */
import type { FollowUp } from '../plan/types.js';
import { ANSWERS, SETTLED, VIP_PRESENT } from './answers.js';
import { ARP_OWNER } from './arp-owner.js';
import type { FollowUpCheck } from './follow-up.js';
import { LISTENERS } from './listeners.js';
import { MASTER_LOGGED } from './master-logged.js';
import { METRICS } from './metrics.js';
import { NTP } from './ntp.js';
import { REPLY_PATH } from './reply-path.js';
import { SSH } from './ssh.js';
import { SYSLOG } from './syslog.js';
import { TCP_SCAN } from './tcp-scan.js';
import type { LabCheckModule } from './types.js';
import { UDP_SCAN } from './udp-scan.js';
import { VIP_HELD } from './vip-held.js';

/** Before the scenarios: the VIP is up and every real server answers (or keepalived's table is whole). */
export const STEADY_CHECKS: readonly LabCheckModule[] = [VIP_PRESENT, ANSWERS, REPLY_PATH, SETTLED];

/** After them: `access`, from the ops host and the client. */
export const ACCESS_CHECKS: readonly LabCheckModule[] = [
  SYSLOG,
  METRICS,
  SSH,
  NTP,
  LISTENERS,
  TCP_SCAN,
  UDP_SCAN,
];

/** A pair's checks of who holds the floating addresses. */
export const FOLLOW_UPS: Record<FollowUp['check'], FollowUpCheck> = {
  'arp-owner': ARP_OWNER,
  'vip-held': VIP_HELD,
  'master-logged': MASTER_LOGGED,
};
