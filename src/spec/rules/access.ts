/** Rules about operator access (remote syslog, metrics). Pure. */
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
                'give the interface on the servers\' network `role: inside`, or drop access.metrics',
              ),
            ],
      );

