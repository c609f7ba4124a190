/**
 * Operator access of a director (spec.access): remote or local syslog, the metrics server, SSH and NTP, with the
 * ports and paths their defaults give. Pure.
 */
import { DROPBEAR_CATALOG } from '../packages/dropbear.js';
import { bareAddress } from '../lib/address.js';
import type { DirectorMode } from '../spec/health-check.js';
import type { Director, Spec } from '../spec/types.js';
import type { ModelAccess } from './types.js';

/** The default port of the metrics server (the Prometheus node exporter's, which operators already allow). */
export const METRICS_PORT = 9100;

/** The default remote syslog port (UDP). */
export const SYSLOG_PORT = 514;

/** The default SSH port. */
export const SSH_PORT = 22;

/** access.syslog (`host` or `host:port`, checked by the schema) as its host and port. */
export function syslogTarget(value: string): { host: string; port: number } {
  const [host = value, port] = value.split(':');
  return { host, port: port !== undefined ? Number(port) : SYSLOG_PORT };
}

/** Where a director's SSH host key sits in its image (dropbear's default name for the type). */
export function sshHostKeyPath(type: string): string {
  return `/etc/dropbear/dropbear_${type}_host_key`;
}

/** Where a director's SSH server listens: the own address of each interface of an `access.ssh.listen` role. */
export function sshListen(spec: Spec, director: Director): { address: string; port: number }[] {
  const ssh = spec.access?.ssh;
  if (ssh === undefined) return [];
  return (ssh.listen ?? ['inside']).flatMap((role) =>
    director.interfaces
      .filter((i) => i.role === role)
      .map((i) => ({ address: bareAddress(i.address), port: ssh.port ?? SSH_PORT })),
  );
}

/** The access a director serves; `mode` decides whether keepalived's logs need a local syslogd. */
export function resolveAccess(spec: Spec, director: Director, mode: DirectorMode): ModelAccess {
  const access = spec.access;
  const ssh = access?.ssh;
  const inside = director.interfaces.find((i) => i.role === 'inside');
  const release = DROPBEAR_CATALOG.releases.find((r) => r.version === spec.dropbear?.version);
  return {
    syslog: access?.syslog === undefined ? null : syslogTarget(access.syslog),
    localSyslog:
      access?.syslog === undefined &&
      (mode === 'keepalived' || ssh !== undefined || access?.ntp !== undefined),
    // The spec rules require an inside interface when metrics are on (accessHasInside).
    metrics:
      access?.metrics === undefined || inside === undefined
        ? null
        : { address: bareAddress(inside.address), port: access.metrics.port ?? METRICS_PORT },
    // The spec rules require an interface of each listen role (sshListenRoles) and a dropbear pin (sshHasDropbear).
    ssh:
      ssh === undefined || release === undefined
        ? null
        : {
            listen: sshListen(spec, director),
            hostKey: sshHostKeyPath(release.hostKeyType),
            authorizedKeys: ssh.authorizedKeys.map((k) => k.trim()),
          },
    ntp: access?.ntp === undefined ? null : { servers: access.ntp },
  };
}
