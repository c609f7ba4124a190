/**
 * A keepalived-mode director that runs no checker (every member's check is `type: none` or absent, no sorry
 * server) must end up with the table /init loads in rules mode: keepalived keeps an unchecked real server in with
 * its weight. boot-test holds such a director to that table, which proves that keepalived writes every kind of
 * service (NAT, DR, TUN, UDP, persistence, fwmark) as `ipvsadm -R` does. Pure.
 */
import type { DirectorModel } from '../director/types.js';

/**
 * The rules-mode table of `model` (its /etc/ipvsadm.rules in rules mode, `ipvsadm -Sn` form) when keepalived owns
 * the table and runs no checker; undefined for any other director.
 */
export function rulesModeTable(model: DirectorModel): string | undefined {
  if (model.mode !== 'keepalived') return undefined;
  const unchecked = model.ipvs.services.every(
    (s) => s.sorry === null && s.checks.every((c) => c === null || c.type === 'none'),
  );
  return unchecked ? model.ipvs.rules.map((l) => `${l}\n`).join('') : undefined;
}
