/** Rules about one virtual service's own fields: shape, ports, weights, thresholds, flags. Pure. */
import { netmaskPrefix } from '../../lib/address.js';
import { eachMember, eachService, problemAt, type Rule } from '../rule.js';

const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** tcp/udp/sctp services need vip and port and take no fwmark; fwmark services need fwmark and take no vip/port. */
export const serviceShape: Rule = (spec) =>
  eachService(spec).flatMap(({ service: s, pointer }) => {
    if (s.protocol === 'fwmark') {
      return [
        ...(s.fwmark === undefined
          ? [problemAt(pointer, 'a fwmark service needs `fwmark`', 'add fwmark: N (the mark netfilter sets)')]
          : []),
        ...(['vip', 'port'] as const)
          .filter((k) => s[k] !== undefined)
          .map((k) =>
            problemAt(
              `${pointer}/${k}`,
              `a fwmark service takes no \`${k}\``,
              'the netfilter mark selects the traffic; remove it or use protocol tcp/udp/sctp',
            ),
          ),
      ];
    }
    return [
      ...(['vip', 'port'] as const)
        .filter((k) => s[k] === undefined)
        .map((k) =>
          problemAt(
            pointer,
            `a ${s.protocol} service needs \`${k}\``,
            `add ${k}: (e.g. ${k === 'vip' ? '10.10.31.100' : '80'})`,
          ),
        ),
      ...(s.fwmark !== undefined
        ? [
            problemAt(
              `${pointer}/fwmark`,
              `\`fwmark\` is only for protocol fwmark`,
              'remove fwmark or set protocol: fwmark',
            ),
          ]
        : []),
    ];
  });

/** Service ports are 1..65535; port 0 (every port) only for persistent services. */
export const servicePortRange: Rule = (spec) =>
  eachService(spec).flatMap(({ service: s, pointer }) => {
    if (!PORT_PROTOCOLS.has(s.protocol) || s.port === undefined) return [];
    if (s.port === 0 && s.persistence === undefined)
      return [
        problemAt(
          `${pointer}/port`,
          'port 0 (every port) is only allowed for persistent services',
          'set a port 1..65535, or add persistence: {}',
        ),
      ];
    if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535)
      return [problemAt(`${pointer}/port`, `port ${s.port} is outside 1..65535`, 'use a port 1..65535')];
    return [];
  });

/** Real-server ports are 1..65535 (0 only in fwmark and port-0 persistent services). */
export const memberPortRange: Rule = (spec) =>
  eachMember(spec).flatMap(({ service: s, member: m, memberPointer }) => {
    if (m.port === undefined) return [];
    const zeroOk = s.protocol === 'fwmark' || s.port === 0;
    if (Number.isInteger(m.port) && m.port >= (zeroOk ? 0 : 1) && m.port <= 65535) return [];
    return [
      problemAt(
        `${memberPointer}/port`,
        `port ${m.port} is outside 1..65535`,
        'use a port 1..65535, or leave it out to use the service port',
      ),
    ];
  });

/** Weights are 0..65535. */
export const weightRange: Rule = (spec) =>
  eachMember(spec).flatMap(({ member: m, memberPointer }) =>
    m.weight !== undefined && !(Number.isInteger(m.weight) && m.weight >= 0 && m.weight <= 65535)
      ? [
          problemAt(
            `${memberPointer}/weight`,
            `weight ${m.weight} is outside 0..65535`,
            'use 0 (quiesce) to 65535; the default is 1',
          ),
        ]
      : [],
  );

/** A set upper threshold must not be below the lower one. */
export const thresholdOrder: Rule = (spec) =>
  eachMember(spec).flatMap(({ member: m, memberPointer }) =>
    m.upperThreshold !== undefined &&
    m.lowerThreshold !== undefined &&
    m.upperThreshold !== 0 &&
    m.upperThreshold < m.lowerThreshold
      ? [
          problemAt(
            `${memberPointer}/upperThreshold`,
            `upperThreshold ${m.upperThreshold} is below lowerThreshold ${m.lowerThreshold}`,
            'raise upperThreshold or lower lowerThreshold (0 means no limit)',
          ),
        ]
      : [],
  );

/** A persistence netmask must be contiguous (255.255.255.0, not 255.0.255.0). */
export const persistenceNetmask: Rule = (spec) =>
  eachService(spec).flatMap(({ service: s, pointer }) => {
    const mask = s.persistence?.netmask;
    return mask !== undefined && netmaskPrefix(mask) === null
      ? [
          problemAt(
            `${pointer}/persistence/netmask`,
            `${mask} is not a contiguous netmask`,
            'use a mask such as 255.255.255.0 (ones, then zeros)',
          ),
        ]
      : [];
  });

/** One-packet scheduling exists only for UDP. */
export const onePacketUdpOnly: Rule = (spec) =>
  eachService(spec).flatMap(({ service: s, pointer }) =>
    s.onePacket === true && s.protocol !== 'udp'
      ? [
          problemAt(
            `${pointer}/onePacket`,
            `one-packet scheduling (-o) is for udp services only, not ${s.protocol}`,
            'remove onePacket or set protocol: udp',
          ),
        ]
      : [],
  );

/** sh-* flags need the sh scheduler and mh-* flags the mh scheduler. */
export const schedulerFlagsMatch: Rule = (spec) =>
  eachService(spec).flatMap(({ service: s, pointer }) =>
    (s.schedulerFlags ?? []).flatMap((flag, i) => {
      const needs = flag.split('-')[0] ?? '';
      return s.scheduler === needs
        ? []
        : [
            problemAt(
              `${pointer}/schedulerFlags/${i}`,
              `scheduler flag ${flag} needs scheduler ${needs}; this service uses ${s.scheduler ?? 'wlc'}`,
              `set scheduler: ${needs} or remove the flag`,
            ),
          ];
    }),
  );

/** Direct routing and tunnelling cannot change the port: the real-server port must be the service port. */
export const forwardedPortUnchanged: Rule = (spec) =>
  eachMember(spec).flatMap(({ service: s, member: m, memberPointer }) =>
    s.protocol !== 'fwmark' &&
    (m.forwarding === 'gate' || m.forwarding === 'ipip') &&
    m.port !== undefined &&
    s.port !== undefined &&
    m.port !== s.port
      ? [
          problemAt(
            `${memberPointer}/port`,
            `${m.forwarding === 'gate' ? 'direct routing' : 'tunnelling'} cannot change the port: ${m.server} must use the service port ${s.port}, not ${m.port}`,
            `remove port (it defaults to ${s.port}), or use forwarding: masq to map ports`,
          ),
        ]
      : [],
  );
