/**
 * Rules for director pairs (VRRP groups): the checks a single keepalived.conf cannot make, because they are about
 * two or more directors at once. Pure.
 */
import { bareAddress, inSubnet, parseCidr, parseIpv4 } from '../../lib/address.js';
import { problemAt, type Rule } from '../rule.js';
import type { Director, DirectorPair, Spec } from '../types.js';
import { defaultPriority, firstChecksBound, vrrpTimers } from '../vrrp.js';

/**
 * Each pair with its pointer and its members (unknown names, and directors an earlier pair already has, left
 * out: `pairMembers` reports them).
 */
export function eachPair(spec: Spec): { pair: DirectorPair; at: string; members: [Director, number][] }[] {
  const taken = new Set<string>();
  return (spec.pairs ?? []).map((pair, p) => ({
    pair,
    at: `/pairs/${p}`,
    members: pair.directors.flatMap((name): [Director, number][] => {
      const i = spec.directors.findIndex((d) => d.hostname === name);
      const d = spec.directors[i];
      if (d === undefined || taken.has(name)) return [];
      taken.add(name);
      return [[d, i]];
    }),
  }));
}

/** Pair members are directors of the spec, each in at most one pair, with keepalived pinned. */
export const pairMembers: Rule = (spec) => {
  const seen = new Map<string, string>();
  return [
    ...((spec.pairs ?? []).length > 0 && spec.keepalived === undefined
      ? [
          problemAt(
            '/keepalived',
            'director pairs are run by keepalived (VRRP), and the spec pins none',
            "add keepalived: { version: '2.2.7', source: { debian: keepalived } }",
          ),
        ]
      : []),
    ...(spec.pairs ?? []).flatMap((pair, p) =>
      pair.directors.flatMap((name, i) => {
        const at = `/pairs/${p}/directors/${i}`;
        if (!spec.directors.some((d) => d.hostname === name))
          return [
            problemAt(
              at,
              `no director named "${name}"`,
              `use one of: ${spec.directors.map((d) => d.hostname).join(', ')}`,
            ),
          ];
        const other = seen.get(name);
        seen.set(name, pair.name);
        return other !== undefined && other !== pair.name
          ? [problemAt(at, `${name} is already in pair ${other}`, 'a director belongs to one pair')]
          : [];
      }),
    ),
  ];
};

/** What a member's services are, compared across the pair (its own host name aside). */
function servicesKey(d: Director): string {
  return JSON.stringify(d.services);
}

/** Every member runs the same virtual services with the same checks: a takeover must not change the table. */
export const pairServicesEqual: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, members }) => {
    const [first, ...rest] = members;
    if (first === undefined) return [];
    return rest
      .filter(([d]) => servicesKey(d) !== servicesKey(first[0]))
      .map(([d, i]) =>
        problemAt(
          `/directors/${i}/services`,
          `${d.hostname} and ${first[0].hostname} are both in pair ${pair.name} but their services differ`,
          'give every member of a pair the same services, checks and real servers (copy them, or use YAML anchors)',
        ),
      );
  });

/** Priorities name members only and differ; the preferred master (first) has the highest. */
export const pairPriorities: Rule = (spec) =>
  (spec.pairs ?? []).flatMap((pair, p) => {
    const given = pair.priorities ?? {};
    const out = Object.keys(given)
      .filter((name) => !pair.directors.includes(name))
      .map((name) =>
        problemAt(`/pairs/${p}/priorities/${name}`, `${name} is not a member of pair ${pair.name}`),
      );
    const values = pair.directors.map((name, i) => given[name] ?? defaultPriority(i));
    if (new Set(values).size !== values.length)
      out.push(
        problemAt(
          `/pairs/${p}/priorities`,
          `two members of ${pair.name} have the same priority (${values.join(', ')})`,
          'equal priorities make the master depend on which address is higher: give each member its own',
        ),
      );
    return out;
  });

/**
 * Each instance's interface exists on every member, and its addresses are VIPs of every member on that
 * interface (the label too comes from there); the sync interface exists on every member.
 */
export const pairInterfaces: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, at, members }) => [
    ...pair.instances.flatMap((inst, k) =>
      members.flatMap(([d]) => {
        if (!d.interfaces.some((n) => n.name === inst.interface))
          return [
            problemAt(
              `${at}/instances/${k}/interface`,
              `${d.hostname} has no interface ${inst.interface}`,
              `use one of: ${d.interfaces.map((n) => n.name).join(', ')}`,
            ),
          ];
        return inst.addresses
          .filter((a) => !d.vips.some((v) => v.address === a && v.interface === inst.interface))
          .map((a) =>
            problemAt(
              `${at}/instances/${k}/addresses`,
              `${a} is not a VIP of ${d.hostname} on ${inst.interface}`,
              `list it under ${d.hostname}'s vips with interface: ${inst.interface} (every member needs it)`,
            ),
          );
      }),
    ),
    ...(pair.connectionSync !== undefined
      ? members
          .filter(([d]) => !d.interfaces.some((n) => n.name === pair.connectionSync?.interface))
          .map(([d]) =>
            problemAt(
              `${at}/connectionSync/interface`,
              `${d.hostname} has no interface ${pair.connectionSync?.interface ?? ''}`,
            ),
          )
      : []),
  ]);

/** A VIP of a pair member that floats with none of the pair's instances would be held by every member at once. */
export const pairVipsFloat: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, members }) =>
    members.flatMap(([d, i]) =>
      d.vips.flatMap((v, vi) =>
        pair.instances.some((inst) => inst.interface === v.interface && inst.addresses.includes(v.address))
          ? []
          : [
              problemAt(
                `/directors/${i}/vips/${vi}`,
                `${v.address} on ${d.hostname} floats with no instance of pair ${pair.name}: every member would answer ARP for it`,
                `add it to the addresses of the ${pair.name} instance on ${v.interface}`,
              ),
            ],
      ),
    ),
  );

/** The subnet (network/prefix) of interface `name` on director `d`, for telling L2 segments apart. */
function segmentOf(d: Director, name: string): string | undefined {
  const nic = d.interfaces.find((n) => n.name === name);
  const cidr = nic !== undefined ? parseCidr(nic.address) : null;
  if (cidr === null) return undefined;
  return `${(cidr.address & (cidr.prefix === 0 ? 0 : ~0 << (32 - cidr.prefix))) >>> 0}/${cidr.prefix}`;
}

/** VRIDs are unique per L2 segment across the whole site (two groups with one VRID on a segment fight). */
export const vridUnique: Rule = (spec) => {
  const seen = new Map<string, string>();
  return eachPair(spec).flatMap(({ pair, at, members }) =>
    pair.instances.flatMap((inst, k) => {
      const first = members[0]?.[0];
      const segment = first !== undefined ? segmentOf(first, inst.interface) : undefined;
      if (segment === undefined) return [];
      const key = `${segment} ${inst.vrid}`;
      const other = seen.get(key);
      const here = `${pair.name} on ${inst.interface}`;
      if (other === undefined) {
        seen.set(key, here);
        return [];
      }
      return [
        problemAt(
          `${at}/instances/${k}/vrid`,
          `VRID ${inst.vrid} is used twice on one segment: by ${other} and by ${here}`,
          'give every VRRP instance of a segment its own vrid (1..255)',
        ),
      ];
    }),
  );
};

/** Sub-second adverts need VRRPv3, which counts centiseconds up to 40.95 s; VRRPv2 counts whole seconds. */
export const advertIntervalFits: Rule = (spec) =>
  (spec.pairs ?? []).flatMap((pair, p) => {
    const a = pair.advertInterval;
    if (a === undefined || Number.isInteger(a) || (a <= 40.95 && Math.round(a * 100) === a * 100)) return [];
    return [
      problemAt(
        `/pairs/${p}/advertInterval`,
        `advert interval ${a} s: VRRPv2 counts whole seconds and VRRPv3 centiseconds up to 40.95 s`,
        'use whole seconds, or a value below 40.95 with at most two decimals (VRRPv3)',
      ),
    ];
  });

/**
 * Every NAT real server of a pair routes through the floating inside address: a member's own address goes away
 * with that member, and the replies of the new master's connections with it.
 */
export const natGatewayFloats: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, members }) => {
    const floating = new Set(pair.instances.flatMap((i) => i.addresses));
    const own = new Set(members.flatMap(([d]) => d.interfaces.map((n) => bareAddress(n.address))));
    const names = new Set(
      members.flatMap(([d]) =>
        d.services.flatMap((s) => s.realServers.filter((m) => m.forwarding === 'masq').map((m) => m.server)),
      ),
    );
    return spec.realServers.flatMap((rs, r) => {
      if (!names.has(rs.name) || rs.gateway === undefined || floating.has(rs.gateway)) return [];
      const ip = parseIpv4(bareAddress(rs.address));
      const candidates = [...floating].filter((a) =>
        members.some(([d]) =>
          d.interfaces.some((n) => {
            const c = parseCidr(n.address);
            const f = parseIpv4(a);
            return c !== null && f !== null && ip !== null && inSubnet(f, c) && inSubnet(ip, c);
          }),
        ),
      );
      return [
        problemAt(
          `/realServers/${r}/gateway`,
          own.has(rs.gateway)
            ? `NAT real server ${rs.name} routes through ${rs.gateway}, an address of one member of pair ${pair.name}: it loses its route when that member fails`
            : `NAT real server ${rs.name} routes through ${rs.gateway}, not through a floating address of pair ${pair.name}`,
          candidates.length > 0
            ? `use the floating inside address: gateway: ${candidates[0]} (or leave gateway out)`
            : `add the inside gateway to the addresses of the ${pair.name} instance on the inside interface`,
        ),
      ];
    });
  });

/**
 * A booting member must not become master before its first health checks can have put the real servers in its
 * table: keepalived starts every checked server out of the table (`alpha`) and, when it hears no master within its
 * master-down interval after VRRP starts, takes the addresses. keepalived checks neither. Measured in the lab at
 * `advertInterval: 0.1` without a startup delay: a returning lv1 went MASTER 0.36 s after keepalived started,
 * before it had heard lv2 at all (so `preemptDelay` never applied), requests failed for up to 7.9 s and the synced
 * stream broke, 5 runs of 5.
 */
export const vrrpStartsAfterChecks: Rule = (spec) =>
  eachPair(spec).flatMap(({ pair, at, members }) => {
    // The member whose takeover comes soonest before its checks are done (one problem per pair).
    const short = members
      .flatMap(([d]) => {
        const checks = firstChecksBound(d);
        const { masterDownS, startupS } = vrrpTimers(pair, d.hostname);
        return checks !== undefined && startupS + masterDownS < checks
          ? [{ d, checks, masterDownS, startupS, need: checks - masterDownS }]
          : [];
      })
      .sort((a, b) => b.need - a.need)[0];
    if (short === undefined) return [];
    const { d, checks, masterDownS, startupS, need } = short;
    return [
      problemAt(
        `${at}/${pair.startupDelay !== undefined ? 'startupDelay' : 'directors'}`,
        `${d.hostname} booting can take the addresses ${(startupS + masterDownS).toFixed(2)} s after keepalived ` +
          `starts (startupDelay ${startupS} s + master-down ${masterDownS.toFixed(2)} s), before its first health ` +
          `checks can have put the real servers in its table (up to ${checks} s: keepalived starts them out, then ` +
          `1 s + interval + timeout); requests would fail until they do`,
        `set startupDelay: ${Math.ceil(need)} (or more) on pair ${pair.name}`,
      ),
    ];
  });
