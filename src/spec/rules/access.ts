/** Rules about operator access (SSH, metrics); the dropbear and busybox pins are programsPinned's. Pure. */
import { DROPBEAR_CATALOG } from '../../packages/dropbear.js';
import { isKeyProblem, parseAuthorizedKey } from '../authorized-keys.js';
import { problemAt, type Rule } from '../rule.js';

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
