/**
 * What a booted director must show, from its model and the files its image holds: the build computes it with
 * the files it rendered (an image built with `--templates` is held to its own files) and publishes it in
 * `<hostname>/state.json`; boot-test reads it back from there. Pure.
 */
import type { RenderedFile } from '../context.js';
import type { IpvsService } from '../director/ipvs-table.js';
import { formatIpvsadmRules } from '../director/ipvsadm-rules.js';
import type { DirectorModel, ModelService } from '../director/types.js';
import { sha256 } from '../lib/fs.js';
import type { BootExpectation } from './checks.js';
import { rulesModeTable } from './rules-mode.js';

/** Where the files boot-test compares sit in a director's root. */
const IPVSADM_RULES = '/etc/ipvsadm.rules';
const IPTABLES_RULES = '/etc/iptables.rules';
const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

/**
 * keepalived's IPVS table when no real server answers (inside boot-test none does): a checked member is
 * quiesced (weight 0) or left out, an unchecked one keeps its weight, and the sorry server (weight 1) is in
 * while the members' live weight is below keepalived's quorum of 1.
 */
export function unansweredTable(services: readonly ModelService[]): IpvsService[] {
  return services.map(({ checks, sorry, ...svc }) => {
    const dests = svc.dests.flatMap((d, m) => {
      const c = checks[m] ?? null;
      if (c === null || c.type === 'none') return [{ dest: d, live: true }];
      return c.onFailure === 'quiesce' ? [{ dest: { ...d, weight: 0 }, live: false }] : [];
    });
    const liveWeight = dests.filter((d) => d.live).reduce((n, d) => n + d.dest.weight, 0);
    const members = dests.map((d) => d.dest);
    return { ...svc, dests: liveWeight >= 1 || sorry === null ? members : [...members, sorry] };
  });
}

/** Counts what the ready line reports, from rules in ipvsadm -Sn form: `-A` lines and `-a` lines. */
export function countRules(rules: string): { services: number; realServers: number } {
  const lines = rules.split('\n');
  return {
    services: lines.filter((l) => l.startsWith('-A ')).length,
    realServers: lines.filter((l) => l.startsWith('-a ')).length,
  };
}

function fileText(rendered: readonly RenderedFile[], file: string): string | undefined {
  const found = rendered.filter((f) => f.path === file);
  return found.length === 0 ? undefined : found.map((f) => f.content).join('');
}

/** The expectation of a boot of `model`'s image, whose root holds the `rendered` files. */
export function bootExpectation(model: DirectorModel, rendered: readonly RenderedFile[]): BootExpectation {
  // Rules mode: the table is what /init restores, the image's own /etc/ipvsadm.rules.
  const rules =
    model.mode === 'keepalived'
      ? formatIpvsadmRules(unansweredTable(model.ipvs.services), model.ipvs.ipvsadm.dialect)
      : (fileText(rendered, IPVSADM_RULES) ?? '');
  const netfilter = fileText(rendered, IPTABLES_RULES);
  const conf = fileText(rendered, KEEPALIVED_CONF);
  const rulesMode = rulesModeTable(model);
  const pair = model.pair;
  return {
    ...(pair !== null
      ? {
          vrrp: {
            instances: pair.instances.map((i) => i.name),
            masterDownS: pair.timers.masterDownS,
            startupS: pair.timers.startupS,
          },
        }
      : {}),
    mode: model.mode,
    ...(conf !== undefined ? { keepalivedConfSha256: sha256(conf) } : {}),
    rules,
    ...(rulesMode !== undefined ? { rulesModeTable: rulesMode } : {}),
    ...(netfilter !== undefined ? { netfilter } : {}),
    vips: model.vips.map((v) => ({
      address: v.address,
      interface: v.interface,
      ...(v.label !== null ? { label: v.label } : {}),
    })),
    ...countRules(rules),
    daemons: model.daemons,
    ...(model.access.ssh !== null
      ? { ssh: { listen: model.access.ssh.listen.map((l) => `${l.address}:${l.port}`) } }
      : {}),
  };
}
