/**
 * A director's VRRP pair from its side: its priority and timers, the instances with their floating addresses and
 * unicast peers, the sync daemon. What keepalived.conf, boot-test and the failover lab all read. Pure.
 */
import { bareAddress } from '../lib/address.js';
import { DEFAULTS } from '../spec/defaults.js';
import { pairOf } from '../spec/health-check.js';
import type { Director, DirectorPair, Spec } from '../spec/types.js';
import { vrrpTimers } from '../spec/vrrp.js';
import type { ModelAddress, ModelPair, ModelVrrpInstance } from './types.js';

/** The VRRP version a pair's advert interval needs: v2 counts whole seconds, v3 centiseconds. */
export function vrrpVersion(pair: DirectorPair): 2 | 3 {
  return Number.isInteger(pair.advertInterval ?? 1) ? 2 : 3;
}

/** `<pair>_<interface>`: the instance name keepalived logs (`(dsas_eth0) Entering MASTER STATE`). */
export function instanceName(pair: DirectorPair, iface: string): string {
  return `${pair.name}_${iface.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function instanceOf(
  spec: Spec,
  pair: DirectorPair,
  director: Director,
  inst: DirectorPair['instances'][number],
): ModelVrrpInstance {
  const own = director.interfaces.find((n) => n.name === inst.interface);
  const peers = spec.directors
    .filter((m) => pair.directors.includes(m.hostname) && m.hostname !== director.hostname)
    .flatMap((m) => m.interfaces.filter((n) => n.name === inst.interface).map((n) => bareAddress(n.address)));
  return {
    name: instanceName(pair, inst.interface),
    interface: inst.interface,
    vrid: inst.vrid,
    addresses: inst.addresses.map((a): ModelAddress => {
      const label = director.vips.find((v) => v.address === a && v.interface === inst.interface)?.label;
      return { address: a, interface: inst.interface, label: label ?? null };
    }),
    ownAddress: own !== undefined ? bareAddress(own.address) : null,
    peers,
  };
}

/** The pair `director` is in, from its side; null when it is in none. */
export function resolvePair(spec: Spec, director: Director): ModelPair | null {
  const pair = pairOf(spec, director);
  if (pair === undefined) return null;
  const instances = pair.instances.map((inst) => instanceOf(spec, pair, director, inst));
  const sync = pair.connectionSync;
  const first = pair.instances[0];
  return {
    name: pair.name,
    members: [...pair.directors],
    timers: vrrpTimers(pair, director.hostname),
    vrrpVersion: vrrpVersion(pair),
    preempt: pair.preempt !== false,
    preemptDelay: pair.preemptDelay ?? 0,
    unicast: pair.unicast === true,
    // The sync daemon follows the first instance: master daemon while MASTER, backup daemon otherwise.
    connectionSync:
      sync === undefined
        ? null
        : {
            interface: sync.interface,
            instance: instanceName(pair, first?.interface ?? ''),
            syncId: sync.syncId ?? first?.vrid ?? 0,
            refreshPeriodS: sync.refreshPeriod ?? DEFAULTS.syncRefreshPeriod,
          },
    instances,
  };
}
