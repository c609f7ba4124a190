/**
 * A director's interfaces, default route and VIPs: own addresses in every printed form, the VIPs it adds itself
 * and the floating addresses its pair moves. Names are checked here, once, since they reach shell scripts. Pure.
 */
import { bareAddress, cidrForms } from '../lib/address.js';
import type { Director, Spec } from '../spec/types.js';
import { checkName } from './names.js';
import type { ModelInterface, ModelVip } from './types.js';

/** The interfaces of a director (at JSON pointer `at`) and the default route, from the one with a gateway. */
export function resolveInterfaces(
  director: Director,
  at: string,
  carrierWait: number,
): { interfaces: ModelInterface[]; defaultRoute: { via: string; dev: string } | null } {
  const routeIndex = director.interfaces.findIndex((i) => i.gateway !== undefined && i.gateway !== '');
  const interfaces = director.interfaces.map((ifc, i): ModelInterface => {
    const forms = cidrForms(ifc.address);
    return {
      name: checkName('interface', ifc.name, `${at}/interfaces/${i}/name`),
      role: ifc.role,
      mac:
        ifc.mac === undefined ? null : checkName('mac', ifc.mac.toLowerCase(), `${at}/interfaces/${i}/mac`),
      ...forms,
      gateway: i === routeIndex ? bareAddress(ifc.gateway ?? '') : null,
      carrierWait,
    };
  });
  const route = interfaces[routeIndex];
  return {
    interfaces,
    defaultRoute: route?.gateway ? { via: route.gateway, dev: route.name } : null,
  };
}

/** The floating addresses of every pair `director` is in (bare). */
export function floatingAddresses(spec: Spec, director: Director): Set<string> {
  return new Set(
    (spec.pairs ?? [])
      .filter((p) => p.directors.includes(director.hostname))
      .flatMap((p) => p.instances.flatMap((i) => i.addresses.map(bareAddress))),
  );
}

/** The director's VIPs in spec order, a pair's floating ones marked. */
export function resolveVips(spec: Spec, director: Director, at: string): ModelVip[] {
  const floating = floatingAddresses(spec, director);
  return (director.vips ?? []).map((vip, v): ModelVip => {
    const address = bareAddress(vip.address);
    return {
      address,
      interface: checkName('interface', vip.interface, `${at}/vips/${v}/interface`),
      label: vip.label === undefined ? null : checkName('interface', vip.label, `${at}/vips/${v}/label`),
      floating: floating.has(address),
    };
  });
}
