/** Rules about names that refer to other parts of the spec: real servers, VIPs, interfaces, marks, duplicates. Pure. */
import { bareAddress } from '../../lib/address.js';
import { eachMember, eachService, findDuplicates, problemAt, serviceName, type Rule } from '../rule.js';
import type { Director } from '../types.js';

/** Every service member names a real server defined under `realServers`. */
export const knownRealServers: Rule = (spec) => {
  const names = spec.realServers.map((r) => r.name);
  return eachMember(spec).flatMap(({ member: m, memberPointer }) =>
    names.includes(m.server)
      ? []
      : [
          problemAt(
            `${memberPointer}/server`,
            `no real server named "${m.server}"`,
            `define it under realServers (known: ${names.join(', ') || 'none'})`,
          ),
        ],
  );
};

/** A tcp/udp/sctp service's vip is one of its director's vips. */
export const serviceVipKnown: Rule = (spec) =>
  eachService(spec).flatMap(({ director: d, service: s, pointer }) => {
    const vips = d.vips.map((v) => v.address);
    return s.protocol === 'fwmark' || s.vip === undefined || vips.includes(s.vip)
      ? []
      : [
          problemAt(
            `${pointer}/vip`,
            `${s.vip} is not one of ${d.hostname}'s vips (${vips.join(', ') || 'none'})`,
            "add it under the director's vips, or use one of them",
          ),
        ];
  });

/** No two services of a director share protocol + VIP + port, or fwmark. */
export const uniqueServices: Rule = (spec) =>
  spec.directors.flatMap((d, di) =>
    findDuplicates(
      d.services,
      (s) =>
        s.protocol === 'fwmark'
          ? s.fwmark !== undefined
            ? `fwmark ${s.fwmark}`
            : undefined
          : s.vip !== undefined && s.port !== undefined
            ? serviceName(s)
            : undefined,
      (s, i, f) =>
        problemAt(
          `/directors/${di}/services/${i}`,
          `duplicate virtual service ${serviceName(s)} (first at /directors/${di}/services/${f})`,
          'merge the two services, or change the protocol, VIP, port or fwmark',
        ),
    ),
  );

/** No real server (by name, or by address and port) appears twice in one service. */
export const uniqueMembers: Rule = (spec) => {
  const addressOf = new Map(spec.realServers.map((r) => [r.name, bareAddress(r.address)]));
  return eachService(spec).flatMap(({ service: s, pointer }) =>
    findDuplicates(
      s.realServers,
      (m) => `${addressOf.get(m.server) ?? m.server}:${m.port ?? s.port ?? 0}`,
      (m, i, f) => {
        const first = s.realServers[f]?.server ?? '?';
        const what =
          first === m.server
            ? `real server ${m.server} is listed twice in ${serviceName(s)}`
            : `real server ${m.server} has the same address and port as ${first} in ${serviceName(s)}`;
        return problemAt(
          `${pointer}/realServers/${i}`,
          `${what} (first at ${pointer}/realServers/${f})`,
          'remove one entry; ipvsadm refuses a destination twice',
        );
      },
    ),
  );
};

/** Director host names, real-server names and MACs are unique in the site; interface names and VIPs in a director. */
export const uniqueNames: Rule = (spec) => [
  ...findDuplicates(
    spec.directors,
    (d) => d.hostname,
    (d, i) =>
      problemAt(
        `/directors/${i}/hostname`,
        `duplicate director hostname "${d.hostname}"`,
        'give every director its own hostname',
      ),
  ),
  ...findDuplicates(
    spec.realServers,
    (r) => r.name,
    (r, i) =>
      problemAt(
        `/realServers/${i}/name`,
        `duplicate real server name "${r.name}"`,
        'give every real server its own name',
      ),
  ),
  ...findDuplicates(
    spec.directors.flatMap((d, di) =>
      d.interfaces.map((n, ni) => ({
        mac: n.mac?.toLowerCase(),
        pointer: `/directors/${di}/interfaces/${ni}/mac`,
      })),
    ),
    (x) => x.mac,
    (x) =>
      problemAt(
        x.pointer,
        `duplicate MAC address ${x.mac ?? ''}`,
        'every NIC needs its own MAC (PXE config files are per MAC)',
      ),
  ),
  ...spec.directors.flatMap((d: Director, di) => [
    ...findDuplicates(
      d.interfaces,
      (n) => n.name,
      (n, i) =>
        problemAt(
          `/directors/${di}/interfaces/${i}/name`,
          `duplicate interface name "${n.name}" on ${d.hostname}`,
          'give every interface its own name',
        ),
    ),
    ...findDuplicates(
      d.vips,
      (v) => v.address,
      (v, i) =>
        problemAt(
          `/directors/${di}/vips/${i}/address`,
          `duplicate VIP ${v.address} on ${d.hostname}`,
          'list each VIP once',
        ),
    ),
    ...findDuplicates(
      d.vips,
      (v) => v.label,
      (v, i) =>
        problemAt(
          `/directors/${di}/vips/${i}/label`,
          `duplicate alias label ${v.label ?? ''} on ${d.hostname}`,
          'give every alias its own label',
        ),
    ),
  ]),
];

const MARK_WORD = /--set-x?mark\s+(0x[0-9a-fA-F]+|\d+)/g;

/** Marks a director's netfilter section sets: netfilter.marks plus rules containing `--set-mark N` / `--set-xmark N`. */
export function marksSet(d: Director): Set<number> {
  const out = new Set<number>((d.netfilter?.marks ?? []).map((m) => m.mark));
  for (const r of d.netfilter?.rules ?? []) for (const m of r.rule.matchAll(MARK_WORD)) out.add(Number(m[1]));
  return out;
}

/** A fwmark service needs a netfilter mark or rule that sets its mark. */
export const fwmarkIsSet: Rule = (spec) =>
  eachService(spec).flatMap(({ director: d, service: s, pointer }) =>
    s.protocol === 'fwmark' && s.fwmark !== undefined && !marksSet(d).has(s.fwmark)
      ? [
          problemAt(
            `${pointer}/fwmark`,
            `nothing on ${d.hostname} sets firewall mark ${s.fwmark}`,
            `add netfilter.marks: [{mark: ${s.fwmark}, protocol: tcp, destination: VIP, ports: [80, 443]}], or a rule with --set-mark ${s.fwmark}`,
          ),
        ]
      : [],
  );
