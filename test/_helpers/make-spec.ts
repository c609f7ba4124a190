/** Builds specs for tests: the reference site (images/dsas-lv1.yaml as an object), deep-merged with overrides. */
import type { Spec } from '../../src/spec/types.js';

/** Overrides: any part of a Spec; objects merge key by key, arrays and scalars replace. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The reference spec exactly as images/dsas-lv1.yaml writes it (no defaults applied). */
export function referenceSpec(): Spec {
  return {
    name: 'dsas',
    description:
      "DSAS reference director lv1 (LVS-NAT, tcp/80 least-connection) on today's kernel and ipvsadm",
    kernel: {
      version: '6.1',
      source: { debian: 'linux-source-6.1' },
      base: 'tinyconfig',
      profile: 'full',
      options: 'builtin',
    },
    ipvsadm: { version: '1.31', source: { debian: 'ipvsadm' }, link: 'static' },
    directors: [
      {
        hostname: 'lv1',
        interfaces: [
          { name: 'eth0', mac: '52:54:00:31:00:11', address: '10.10.31.11/24', role: 'outside' },
          { name: 'eth1', mac: '52:54:00:31:01:11', address: '192.168.31.11/24', role: 'inside' },
        ],
        vips: [{ address: '10.10.31.100', interface: 'eth0', label: 'eth0:100' }],
        services: [
          {
            protocol: 'tcp',
            vip: '10.10.31.100',
            port: 80,
            scheduler: 'lc',
            realServers: [
              { server: 'w101', forwarding: 'masq', weight: 1 },
              { server: 'w102', forwarding: 'masq', weight: 1 },
            ],
          },
        ],
      },
    ],
    realServers: [
      { name: 'w101', address: '192.168.31.101/24', lab: { host: 'example.org', body: 'w101 nano' } },
      { name: 'w102', address: '192.168.31.102/24', lab: { host: 'example.org', body: 'w102 desu' } },
    ],
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `over` into `base` (a fresh copy): objects merge, arrays and scalars replace, `undefined` deletes. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out as T;
}

/** A valid reference spec object, deep-merged with `overrides` (keys set to undefined are removed). */
export function makeSpec(overrides: DeepPartial<Spec> = {}): Spec {
  return deepMerge(referenceSpec(), overrides);
}
