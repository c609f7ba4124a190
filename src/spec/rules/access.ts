/** Rules about operator access (SSH, remote syslog, NTP, metrics). Pure. */
import { BUSYBOX_CATALOG } from '../../packages/busybox.js';
import { DROPBEAR_CATALOG } from '../../packages/dropbear.js';
import type { ProgramCatalog, ProgramRelease } from '../../packages/program.js';
import { isKeyProblem, parseAuthorizedKey } from '../authorized-keys.js';
import type { Problem } from '../../lib/errors.js';
import { problemAt, type Rule } from '../rule.js';
import type { Spec } from '../types.js';

/** Metrics listen on the inside address: every director needs an interface with `role: inside`. */
export const accessHasInside: Rule = (spec) =>
  spec.access?.metrics === undefined
    ? []
    : spec.directors.flatMap((d, di) =>
        d.interfaces.some((n) => n.role === 'inside')
          ? []
          : [
              problemAt(
                `/directors/${di}/interfaces`,
                `${d.hostname} has no inside interface for access.metrics to listen on`,
                "give the interface on the servers' network `role: inside`, or drop access.metrics",
              ),
            ],
      );

/**
 * An access setting served by a program built from pinned source: the spec pins a release its catalog has. The
 * hint gives the pin of the catalog's newest release.
 */
function programPinned(
  spec: Spec,
  setting: 'ssh' | 'ntp',
  name: 'dropbear' | 'busybox',
  catalog: ProgramCatalog<ProgramRelease>,
  what: string,
): Problem[] {
  if (spec.access?.[setting] === undefined) return [];
  const pin = spec[name];
  const newest = catalog.releases.at(-1);
  if (pin === undefined)
    return [
      problemAt(
        `/access/${setting}`,
        `${what} is served by ${name}, and the spec pins none`,
        `add ${name}: { version: '${newest?.version ?? ''}', source: { debian: ${newest?.debian?.package ?? name} } }`,
      ),
    ];
  return catalog.releases.some((r) => r.version === pin.version)
    ? []
    : [
        problemAt(
          `/${name}/version`,
          `${name} ${pin.version} is not in the catalog`,
          `use one of ${catalog.releases.map((r) => r.version).join(', ')} (src/packages/${name}.json)`,
        ),
      ];
}

/** access.ssh is served by dropbear: the spec pins a release the catalog has. */
export const sshHasDropbear: Rule = (spec) => programPinned(spec, 'ssh', 'dropbear', DROPBEAR_CATALOG, 'SSH');

/** access.ntp is served by busybox's ntpd, built from source: the spec pins a release the catalog has. */
export const ntpHasBusybox: Rule = (spec) => programPinned(spec, 'ntp', 'busybox', BUSYBOX_CATALOG, 'NTP');

/** Every authorized key is a bare public key of a type the pinned dropbear accepts. */
export const authorizedKeysParse: Rule = (spec) => {
  const ssh = spec.access?.ssh;
  if (ssh === undefined) return [];
  const release = DROPBEAR_CATALOG.releases.find((r) => r.version === spec.dropbear?.version);
  const types = release?.keyTypes ?? [...new Set(DROPBEAR_CATALOG.releases.flatMap((r) => r.keyTypes))];
  const seen = new Map<string, number>();
  return ssh.authorizedKeys.flatMap((line, i) => {
    const pointer = `/access/ssh/authorizedKeys/${i}`;
    const key = parseAuthorizedKey(line, types);
    if (isKeyProblem(key)) return [problemAt(pointer, `not an SSH public key: ${key.message}`, key.hint)];
    const first = seen.get(key.base64);
    seen.set(key.base64, first ?? i);
    return first === undefined
      ? []
      : [problemAt(pointer, `the same key as authorizedKeys[${first}]`, 'list each key once')];
  });
};

/** SSH listens on the address of each role in access.ssh.listen: every director has an interface with each. */
export const sshListenRoles: Rule = (spec) => {
  const ssh = spec.access?.ssh;
  if (ssh === undefined) return [];
  const roles = ssh.listen ?? ['inside'];
  return spec.directors.flatMap((d, di) =>
    roles
      .filter((role) => !d.interfaces.some((n) => n.role === role))
      .map((role) =>
        problemAt(
          `/directors/${di}/interfaces`,
          `${d.hostname} has no ${role} interface for access.ssh to listen on`,
          ssh.listen === undefined
            ? "give the interface on the servers' network `role: inside`, or set access.ssh.listen"
            : `give an interface \`role: ${role}\`, or take ${role} out of access.ssh.listen`,
        ),
      ),
  );
};
