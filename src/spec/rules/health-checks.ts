/** Rules about health checks, sorry servers and the keepalived that runs them (its pin: programsPinned). Pure. */
import { kernelAtLeast } from '../../lib/kernel-version.js';
import { KEEPALIVED_CATALOG } from '../../packages/keepalived.js';
import { effectiveCheck, specUsesKeepalived } from '../health-check.js';
import { eachMember, eachService, problemAt, serviceName, type Rule } from '../rule.js';

/** The pinned kernel has every kernel facility the pinned keepalived needs (timerfd, signalfd, ...). */
export const keepalivedFitsKernel: Rule = (spec) => {
  if (spec.keepalived === undefined || !specUsesKeepalived(spec)) return [];
  const release = KEEPALIVED_CATALOG.releases.find((r) => r.version === spec.keepalived?.version);
  if (release === undefined) return [];
  const missing = release.kernelOptions.filter(
    (o) => o.olderAlwaysHave !== true && !kernelAtLeast(spec.kernel.version, o.since),
  );
  if (missing.length === 0) return [];
  const needed = missing.map((o) => o.since).sort((a, b) => (kernelAtLeast(a, b) ? -1 : 1))[0];
  return [
    problemAt(
      '/keepalived/version',
      `keepalived ${release.version} cannot run on kernel ${spec.kernel.version}: it needs ${missing
        .map((o) => `CONFIG_${o.symbol} (kernel ${o.since}+; ${o.reason})`)
        .join(', ')}`,
      `pin kernel ${needed ?? ''} or later, or drop the health checks and sorry servers (the 2006 setup ran none)`,
    ),
  ];
};

/** An http check runs over TCP: not on udp or sctp services. */
export const httpCheckOnTcp: Rule = (spec) =>
  eachMember(spec).flatMap(({ service: s, member: m, pointer, memberPointer }) => {
    const c = effectiveCheck(s, m);
    if (c?.type !== 'http' || s.protocol === 'tcp' || s.protocol === 'fwmark') return [];
    const where =
      m.healthCheck?.type === 'http' ? `${memberPointer}/healthCheck/type` : `${pointer}/healthCheck/type`;
    return [
      problemAt(
        where,
        `an http check needs a tcp service; ${serviceName(s)} is ${s.protocol}`,
        'use type: tcp (a connect to a TCP port of the server) or type: none',
      ),
    ];
  });

/** A checked member has a port to check: fwmark members have none of their own, so the check names one. */
export const checkPortKnown: Rule = (spec) =>
  eachMember(spec).flatMap(({ service: s, member: m, pointer, memberPointer }) => {
    const c = effectiveCheck(s, m);
    if (c === null || c.type === 'none') return [];
    if (c.port === 0)
      return [
        problemAt(
          `${m.healthCheck?.port !== undefined ? memberPointer : pointer}/healthCheck/port`,
          'a check cannot connect to port 0',
          'give the port the server answers on, e.g. port: 80',
        ),
      ];
    if (c.port !== null) return [];
    const memberPort = m.port ?? (s.protocol === 'fwmark' ? 0 : s.port);
    return memberPort !== undefined && memberPort > 0
      ? []
      : [
          problemAt(
            `${memberPointer}/healthCheck`,
            `the check of ${m.server} in ${serviceName(s)} has no port: the member's port is 0 (${
              s.protocol === 'fwmark' ? 'a fwmark service keeps the port the client asked for' : 'every port'
            })`,
            'give the check a port, e.g. healthCheck: { port: 80 } on the service',
          ),
        ];
  });

/** A check's timeout is shorter than its interval (keepalived would start the next check before one ends). */
export const intervalAboveTimeout: Rule = (spec) =>
  eachMember(spec).flatMap(({ service: s, member: m, pointer, memberPointer }) => {
    const c = effectiveCheck(s, m);
    if (c === null || c.type === 'none' || c.interval > c.timeout) return [];
    const own = m.healthCheck?.interval !== undefined || m.healthCheck?.timeout !== undefined;
    return [
      problemAt(
        `${own ? memberPointer : pointer}/healthCheck/interval`,
        `interval ${c.interval} s is not longer than timeout ${c.timeout} s (check of ${m.server} in ${serviceName(s)})`,
        'make interval longer than timeout, e.g. interval: 5, timeout: 3',
      ),
    ];
  });

/** A sorry server is a known real server that is not a member of the same service. */
export const sorryServerKnown: Rule = (spec) => {
  const names = spec.realServers.map((r) => r.name);
  return eachService(spec).flatMap(({ service: s, pointer }) => {
    const sorry = s.sorryServer;
    if (sorry === undefined) return [];
    const at = `${pointer}/sorryServer/server`;
    if (!names.includes(sorry.server))
      return [
        problemAt(
          at,
          `no real server named "${sorry.server}"`,
          `define it under realServers (known: ${names.join(', ') || 'none'})`,
        ),
      ];
    return s.realServers.some((m) => m.server === sorry.server)
      ? [
          problemAt(
            at,
            `${sorry.server} is a member of ${serviceName(s)} and its sorry server`,
            'a sorry server takes over when every member is down: use a server that is not a member',
          ),
        ]
      : [];
  });
};
