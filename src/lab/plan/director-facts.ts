/**
 * What the lab planner needs to know of a director beyond its spec fields: the IPVS table as the spec's ipvsadm
 * prints it, where SSH listens, the syslog target and the metrics URL. The one place the lab reads them from.
 */
import type { Director, Spec, VirtualService } from '../../spec/types.js';
import { METRICS_PORT, sshListen, syslogTarget } from '../../stages/render/director-view.js';
import { bareAddress, resolveIpvsTable } from '../../stages/render/ipvs-table.js';
import { formatIpvsadmRules } from '../../stages/render/ipvsadm-rules.js';

export { bareAddress, sshListen, syslogTarget };

/** `director`'s whole table (`ipvsadm -Sn`, in the spec's ipvsadm dialect), with `services` in place of its own. */
export function ipvsRules(
  spec: Spec,
  director: Director,
  services: readonly VirtualService[] = director.services,
): string {
  return formatIpvsadmRules(
    resolveIpvsTable({ ...director, services: [...services] }, spec.realServers),
    spec.ipvsadm.version,
  );
}

/** The metrics URL of a director whose inside address is `cidr` (access.metrics.port, default METRICS_PORT). */
export function metricsUrl(cidr: string, port: number | undefined): string {
  return `http://${bareAddress(cidr)}:${port ?? METRICS_PORT}/cgi-bin/metrics`;
}
